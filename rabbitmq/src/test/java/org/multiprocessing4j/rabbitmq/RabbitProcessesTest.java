package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;

/**
 * Producers and consumers in separate JVMs on one broker: no item lost or duplicated, order kept
 * per producer, and a consumer killed mid-item does not lose it, whatever the queue (process,
 * joinable, simple; classic or quorum) or the consumer's prefetch.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RabbitProcessesTest extends TestContexts {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void producersAndConsumers_separateJvms_everyItemOnceInProducerOrder() throws Exception {
    int producers = 3;
    int perProducer = 100;
    int consumers = 2;
    ProcessQueue<String> work = ctx.queue();
    ProcessQueue<String> results = ctx.queue();
    List<JvmProcess> ps = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      ps.add(
          ctx.process(
                  () -> {
                    for (int i = 0; i < perProducer; i++) {
                      work.put(id + ":" + i);
                    }
                  })
              .start());
    }
    List<JvmProcess> cs = new ArrayList<>();
    for (int c = 0; c < consumers; c++) {
      int id = c;
      cs.add(
          ctx.process(
                  () -> {
                    while (true) {
                      String item = work.get();
                      if (item.equals("STOP")) {
                        return;
                      }
                      results.put(id + "/" + item);
                    }
                  })
              .start());
    }
    for (JvmProcess p : ps) {
      assertThat(p.join(WAIT)).isTrue();
      assertThat(p.exitCode()).hasValue(0);
    }
    for (int c = 0; c < consumers; c++) {
      work.put("STOP");
    }
    Set<String> seen = new HashSet<>();
    Map<String, Integer> lastByConsumerAndProducer = new HashMap<>();
    for (int n = 0; n < producers * perProducer; n++) {
      String r = results.get(WAIT);
      int slash = r.indexOf('/');
      int colon = r.indexOf(':');
      assertThat(seen.add(r.substring(slash + 1))).as("duplicate %s", r).isTrue();
      int i = Integer.parseInt(r.substring(colon + 1));
      Integer last = lastByConsumerAndProducer.put(r.substring(0, colon), i);
      assertThat(last == null || last < i).as("out of order: %s after %s", r, last).isTrue();
    }
    assertThat(seen).hasSize(producers * perProducer);
    for (JvmProcess c : cs) {
      assertThat(c.join(WAIT)).isTrue();
      assertThat(c.exitCode()).hasValue(0);
    }
    assertThat(results.poll()).isNull();
    // The consumers exited normally holding their sentinels: those were acknowledged, not requeued.
    assertThat(work.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  /**
   * A consumer killed (SIGKILL) while it holds an item: the broker gives that item to the next
   * consumer, and every item is processed exactly once as seen by the results.
   */
  @Test
  void consumerKilledMidItem_itemRedeliveredExactlyOnce() throws Exception {
    consumerKilledMidItem(ctx);
  }

  /** The same on quorum queues, whose redelivery is the broker's Raft log, not a classic queue. */
  @Test
  void consumerKilledMidItem_quorumQueues_itemRedeliveredExactlyOnce(RabbitBroker.Broker broker)
      throws Exception {
    try (RabbitContext quorum = quorum(broker)) {
      consumerKilledMidItem(quorum);
    }
  }

  /**
   * Waits until {@code consumer} reports (through {@code nextStarted}) that it started on {@code
   * item}, which it then holds, and SIGKILLs it there.
   */
  private static <T extends @Nullable Object> void killWhenItStarts(
      JvmProcess consumer, Callable<T> nextStarted, T item) throws Exception {
    T last;
    do {
      last = nextStarted.call();
    } while (!Objects.equals(last, item));
    consumer.kill();
    assertThat(consumer.join(WAIT)).isTrue();
  }

  private static void consumerKilledMidItem(RabbitContext c) throws Exception {
    ProcessQueue<Integer> work = c.queue();
    ProcessQueue<Integer> results = c.queue();
    ProcessQueue<Integer> started = c.queue();
    for (int i = 0; i < 10; i++) {
      work.put(i);
    }
    JvmProcess doomed =
        c.process(
                () -> {
                  while (true) {
                    Integer i = work.get();
                    started.put(i);
                    if (i == 3) {
                      Thread.sleep(Long.MAX_VALUE); // "processing" when killed
                    }
                    results.put(i);
                  }
                })
            .start();
    killWhenItStarts(doomed, () -> started.get(WAIT), 3);
    assertThat(doomed.exitCode()).hasValue(-9);

    JvmProcess survivor =
        c.process(
                () -> {
                  while (true) {
                    results.put(work.get());
                  }
                })
            .setDaemon(true)
            .start();
    List<Integer> got = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      got.add(results.get(WAIT));
    }
    assertThat(got).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(results.poll(200, TimeUnit.MILLISECONDS)).isNull();
    survivor.kill();
    survivor.join();
  }

  /**
   * A joinable queue's consumer killed after it took an item and before its {@code taskDone}: the
   * item goes back to the queue and its unfinished count stays, so {@code join} waits until another
   * consumer has taken it again and reported it done, then returns.
   */
  @Test
  void joinable_consumerKilledBeforeTaskDone_itemComesBackAndJoinWaitsForIt() throws Exception {
    JoinableQueue<Integer> work = ctx.joinableQueue();
    ProcessQueue<Integer> started = ctx.queue();
    ProcessQueue<Integer> done = ctx.queue();
    for (int i = 0; i < 5; i++) {
      work.put(i);
    }
    JvmProcess doomed =
        ctx.process(
                () -> {
                  while (true) {
                    Integer i = work.get();
                    started.put(i);
                    if (i == 2) {
                      Thread.sleep(Long.MAX_VALUE); // killed before its taskDone
                    }
                    done.put(i);
                    work.taskDone();
                  }
                })
            .start();
    killWhenItStarts(doomed, () -> started.get(WAIT), 2);
    assertThat(work.join(Duration.ofMillis(500)))
        .as("join with 3 items never taken and 1 taken by the dead consumer")
        .isFalse();

    JvmProcess survivor =
        ctx.process(
                () -> {
                  while (true) {
                    Integer i = work.get();
                    done.put(i);
                    work.taskDone();
                  }
                })
            .setDaemon(true)
            .start();
    assertThat(work.join(WAIT)).as("join once every item was done").isTrue();
    List<Integer> got = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      got.add(done.get(WAIT));
    }
    assertThat(got).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    assertThat(done.poll(200, TimeUnit.MILLISECONDS)).isNull();
    survivor.kill();
    survivor.join();
  }

  /** A simple queue's consumer JVM killed mid-item: the item goes to the next consumer. */
  @Test
  void simpleQueue_consumerKilledMidItem_itemRedelivered() throws Exception {
    SimpleQueue<@Nullable String> work = ctx.simpleQueue();
    SimpleQueue<@Nullable String> started = ctx.simpleQueue();
    SimpleQueue<@Nullable String> results = ctx.simpleQueue();
    JvmProcess producer =
        ctx.process(
                () -> {
                  for (int i = 0; i < 6; i++) {
                    work.put(i == 4 ? null : "item" + i); // a null item travels as one
                  }
                })
            .start();
    assertThat(producer.join(WAIT)).isTrue();
    assertThat(producer.exitCode()).hasValue(0);
    JvmProcess doomed =
        ctx.process(
                () -> {
                  while (true) {
                    String s = work.get();
                    started.put(s);
                    if ("item2".equals(s)) {
                      Thread.sleep(Long.MAX_VALUE); // "processing" when killed
                    }
                    results.put(s);
                  }
                })
            .start();
    killWhenItStarts(doomed, started::get, "item2");

    JvmProcess survivor =
        ctx.process(
                () -> {
                  while (true) {
                    results.put(work.get());
                  }
                })
            .setDaemon(true)
            .start();
    List<@Nullable String> got = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      got.add(results.get());
    }
    assertThat(got).containsExactlyInAnyOrder("item0", "item1", "item2", "item3", null, "item5");
    survivor.kill();
    survivor.join();
    assertThat(results.empty()).isTrue();
  }

  /**
   * With {@code prefetch(50)} a consumer's buffer holds the whole queue while it works on its first
   * item; killed then, it gives every item back, and another consumer gets them all.
   */
  @Test
  void prefetch50_consumerKilledAfterOneItem_everyItemComesBackToAnother(RabbitBroker.Broker broker)
      throws Exception {
    try (RabbitContext wide =
        RabbitContext.builder()
            .uri(broker.uri())
            .authKey(KEY)
            .namespace("mp4j-prefetch")
            .prefetch(50)
            .build()) {
      ProcessQueue<Integer> work = wide.queue();
      ProcessQueue<Integer> started = wide.queue();
      for (int i = 0; i < 20; i++) {
        work.put(i);
      }
      JvmProcess doomed =
          wide.process(
                  () -> {
                    started.put(work.get());
                    Thread.sleep(Long.MAX_VALUE); // holding one item, 19 in its buffer
                  })
              .start();
      assertThat(started.get(WAIT)).isZero();
      // the doomed consumer's buffer took every item: none is left ready for another consumer
      await().atMost(WAIT).until(() -> work.qsize() == 0);
      doomed.kill();
      assertThat(doomed.join(WAIT)).isTrue();
      List<Integer> got = new ArrayList<>();
      for (int n = 0; n < 20; n++) {
        got.add(work.get(WAIT));
      }
      assertThat(got).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).boxed().toList());
      assertThat(work.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  /**
   * A consumer frozen (SIGSTOP) while it holds an item stops answering heartbeats; the broker then
   * closes its connection and gives the item to another consumer.
   */
  @Test
  void consumerFrozenMidItem_itemRedeliveredAfterHeartbeats(RabbitBroker.Broker broker)
      throws Exception {
    try (RabbitContext quick =
        RabbitContext.builder()
            .uri(broker.uri())
            .authKey(KEY)
            .namespace("mp4j-heartbeat")
            .heartbeat(Duration.ofSeconds(1))
            .build()) {
      ProcessQueue<Integer> work = quick.queue();
      ProcessQueue<Integer> started = quick.queue();
      work.put(42);
      JvmProcess frozen =
          quick
              .process(
                  () -> {
                    started.put(work.get());
                    Thread.sleep(Long.MAX_VALUE);
                  })
              .start();
      assertThat(started.get(WAIT)).isEqualTo(42);
      Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(frozen.pid())).start();
      assertThat(stop.waitFor()).isZero();
      try {
        long t0 = System.nanoTime();
        assertThat(work.get(WAIT)).isEqualTo(42); // redelivered once the broker gave up on it
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
      } finally {
        frozen.kill(); // SIGKILL ends a stopped process too
        frozen.join();
      }
    }
  }

  /** A producer that halts right after its puts returned has left every item in the broker. */
  @Test
  void put_producerHaltsRightAfter_everyItemInBroker() throws Exception {
    ProcessQueue<Integer> q = ctx.queue();
    JvmProcess producer =
        ctx.process(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    q.put(i);
                  }
                  Runtime.getRuntime().halt(7); // no shutdown hooks, no clean disconnect
                })
            .start();
    assertThat(producer.join(WAIT)).isTrue();
    assertThat(producer.exitCode()).hasValue(7);
    assertThat(q.qsize()).isEqualTo(50);
    for (int i = 0; i < 50; i++) {
      assertThat(q.get(WAIT)).isEqualTo(i);
    }
  }
}
