package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueEmptyException;
import org.multiprocessing4j.QueueFullException;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.UnserializableValueException;

/** The queues of a RabbitMQ context, in one process and across child JVMs, on a real broker. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RabbitQueueTest extends TestContexts {

  @Test
  void putGet_manyItems_fifo() throws InterruptedException {
    ProcessQueue<Integer> q = ctx.queue();
    for (int i = 0; i < 200; i++) {
      q.put(i);
    }
    List<Integer> got = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      got.add(q.get());
    }
    assertThat(got)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200).boxed().toList());
    assertThat(q.poll()).isNull();
  }

  @Test
  void put_returned_itemIsInBroker() throws InterruptedException {
    ProcessQueue<String> q = ctx.queue();
    q.put("a");
    q.put("b");
    assertThat(q.qsize()).isEqualTo(2); // no waiting: the broker confirmed both
    assertThat(q.empty()).isFalse();
  }

  @Test
  void itemTypes_roundTrip() throws InterruptedException {
    ProcessQueue<Object> q = ctx.queue();
    List<Object> items =
        List.of("é∑", 42, 7L, 2.5, true, List.of(1, 2), java.time.Duration.ofSeconds(3));
    for (Object o : items) {
      q.put(o);
    }
    for (Object o : items) {
      assertThat(q.get()).isEqualTo(o);
    }
    q.put(new byte[] {1, 2, 3});
    assertThat((byte[]) q.get()).containsExactly(1, 2, 3);
  }

  @Test
  void get_timeoutOnEmpty_throwsEmptyAfterTimeout() throws InterruptedException {
    ProcessQueue<String> q = ctx.queue();
    long start = System.nanoTime();
    assertThatThrownBy(() -> q.get(Duration.ofMillis(300)))
        .isInstanceOf(QueueEmptyException.class)
        .hasMessageContaining("stayed empty");
    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(290));
    assertThatThrownBy(q::getNowait).isInstanceOf(QueueEmptyException.class);
    assertThat(q.poll(50, TimeUnit.MILLISECONDS)).isNull();
  }

  /** A get that timed out hands back what its consumer buffered: the item is not stranded. */
  @Test
  void get_afterTimedOutGet_itemStillAvailable() throws InterruptedException {
    ProcessQueue<String> q = ctx.queue();
    assertThat(q.poll(100, TimeUnit.MILLISECONDS)).isNull();
    q.put("x");
    assertThat(q.getNowait()).isEqualTo("x");
  }

  @Test
  void put_fullQueue_throwsFullOrWaits() throws InterruptedException {
    ProcessQueue<Integer> q = ctx.queue(2);
    q.put(1);
    q.put(2);
    assertThat(q.full()).isTrue();
    assertThatThrownBy(() -> q.putNowait(3)).isInstanceOf(QueueFullException.class);
    assertThat(q.offer(3)).isFalse();
    long start = System.nanoTime();
    assertThatThrownBy(() -> q.put(3, Duration.ofMillis(300)))
        .isInstanceOf(QueueFullException.class)
        .hasMessageContaining("maxsize 2");
    assertThat(System.nanoTime() - start)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(290));
    assertThat(q.get()).isEqualTo(1);
    q.put(3, Duration.ofSeconds(10)); // room again
    assertThat(q.get()).isEqualTo(2);
    assertThat(q.get()).isEqualTo(3);
  }

  @Test
  void put_blockedOnFull_proceedsWhenAConsumerTakes() throws Exception {
    ProcessQueue<Integer> q = ctx.queue(1);
    q.put(1);
    Thread taker =
        new Thread(
            () -> {
              try {
                Thread.sleep(200);
                q.get();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    taker.start();
    q.put(2); // waits for the taker
    taker.join();
    assertThat(q.get(Duration.ofSeconds(10))).isEqualTo(2);
  }

  @Test
  @SuppressWarnings("NullAway") // puts null on purpose
  void badInput_clearExceptions() {
    ProcessQueue<Object> q = ctx.queue();
    assertThatThrownBy(() -> q.put(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> q.put(new Object()))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> q.get(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(q::peek).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> ctx.barrier(2))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("no RabbitMQ form");
    assertThatThrownBy(() -> RabbitContext.builder().uri("http://x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RabbitContext.builder().authKey(new byte[3]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RabbitContext.builder().uri("amqp://127.0.0.1:1/%2F").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("auth key");
  }

  @Test
  void build_noBrokerThere_clearError() {
    assertThatThrownBy(
            () ->
                RabbitContext.builder()
                    .uri("amqp://guest:secret@127.0.0.1:1/%2F")
                    .authKey(TestContexts.KEY)
                    .build())
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("cannot connect")
        .hasMessageNotContaining("secret");
  }

  @Test
  void closedQueueOrContext_throwsIllegalState() throws InterruptedException {
    ProcessQueue<String> q = ctx.queue();
    q.put("a");
    q.close();
    assertThatThrownBy(() -> q.put("b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(q::get).isInstanceOf(IllegalStateException.class);
    ProcessQueue<String> r = ctx.queue();
    ctx.close();
    assertThatThrownBy(() -> r.put("b")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ctx::queue).isInstanceOf(IllegalStateException.class);
  }

  /** Another process's handle of a queue whose owner closed its context gets a clear error. */
  @Test
  void put_queueDeletedByOwner_throwsIllegalState(RabbitBroker.Broker broker)
      throws InterruptedException {
    try (RabbitContext other = TestContexts.open(broker)) {
      ProcessQueue<String> mine = other.queue();
      ProcessQueue<String> theirs = roundTrip(mine, ctx);
      theirs.put("ok");
      assertThat(mine.get()).isEqualTo("ok");
      other.close();
      assertThatThrownBy(() -> theirs.put("lost"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no longer exists");
    }
  }

  /** A handle read in a process that has a context for the same broker, as a child would. */
  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T handle, RabbitContext unused) {
    try {
      var bytes = new java.io.ByteArrayOutputStream();
      try (var out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(handle);
      }
      try (var in =
          new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        return (T) in.readObject();
      }
    } catch (java.io.IOException | ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void get_interrupted_throwsAndItemStaysForOthers() throws Exception {
    ProcessQueue<String> q = ctx.queue();
    Thread main = Thread.currentThread();
    Thread interrupter =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                return;
              }
              main.interrupt();
            });
    interrupter.start();
    assertThatThrownBy(q::get).isInstanceOf(InterruptedException.class);
    interrupter.join();
    q.put("after");
    assertThat(q.getNowait()).isEqualTo("after");
  }

  /**
   * Quorum queues enforce x-max-length once the queue is over it (RabbitMQ 3.10 accepted a third
   * item into a queue of maxsize 2), so their bound is approximate: at most one item more.
   */
  @Test
  void quorumQueues_boundedQueue_boundWithinOne(RabbitBroker.Broker broker) throws Exception {
    try (RabbitContext quorum = quorum(broker)) {
      ProcessQueue<Integer> q = quorum.queue(2);
      int accepted = 0;
      while (accepted < 10 && q.offer(accepted)) {
        accepted++;
      }
      assertThat(accepted).isBetween(2, 3);
      for (int i = 0; i < accepted; i++) {
        assertThat(q.get()).isEqualTo(i);
      }
      assertThat(q.poll()).isNull();
    }
  }

  @Test
  void simpleQueue_nullItems() throws InterruptedException {
    SimpleQueue<@Nullable String> q = ctx.simpleQueue();
    assertThat(q.empty()).isTrue();
    q.put(null);
    q.put("a");
    assertThat(q.get()).isNull();
    assertThat(q.get()).isEqualTo("a");
  }

  @Test
  void joinable_taskDoneAndJoin_inOneProcess() throws InterruptedException {
    JoinableQueue<Integer> q = ctx.joinableQueue();
    q.put(1);
    q.put(2);
    assertThat(q.join(Duration.ofMillis(100))).isFalse();
    q.get();
    q.taskDone();
    q.get();
    assertThat(q.join(Duration.ZERO)).isFalse();
    q.taskDone();
    assertThat(q.join(Duration.ofSeconds(10))).isTrue();
    assertThatThrownBy(q::taskDone)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("more times than items");
  }

  @Test
  void queueCapturedByChild_childPutsParentGets() throws Exception {
    ProcessQueue<String> q = ctx.queue();
    JvmProcess child =
        ctx.process(
                () -> {
                  for (String s : List.of("a", "b", "c")) {
                    q.put(s);
                  }
                })
            .start();
    assertThat(q.get(Duration.ofSeconds(60)) + q.get() + q.get()).isEqualTo("abc");
    assertThat(child.join(Duration.ofSeconds(60))).isTrue();
    assertThat(child.exitCode()).hasValue(0);
  }

  /** A queue sent through a queue reaches the other side without secrets and still works. */
  @Test
  void queueSentThroughQueue_attachesToReceiversContext() throws Exception {
    ProcessQueue<ProcessQueue<String>> outer = ctx.queue();
    ProcessQueue<String> inner = ctx.queue();
    outer.put(inner);
    ProcessQueue<String> received = outer.get();
    received.put("via");
    assertThat(inner.get()).isEqualTo("via");
  }

  @Test
  void joinable_acrossProcesses_joinReturnsWhenAllDone() throws Exception {
    JoinableQueue<Integer> q = ctx.joinableQueue();
    ProcessQueue<Integer> done = ctx.queue();
    JvmProcess consumer =
        ctx.process(
            () -> {
              while (true) {
                Integer i = q.get();
                done.put(i);
                q.taskDone();
              }
            });
    consumer.setDaemon(true);
    consumer.start();
    for (int i = 0; i < 20; i++) {
      q.put(i);
    }
    assertThat(q.join(Duration.ofSeconds(60))).isTrue();
    assertThat(done.qsize()).isEqualTo(20);
    consumer.kill();
    consumer.join();
  }
}
