package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;
import org.multiprocessing4j.rabbitmq.WorkerNode;

/**
 * Genuine redeliveries to the context that gave the message back: they are not replays. A message
 * this context took comes back to it when the channel holding it closes (the broker closed it, as
 * on a consumer_timeout) or when a pool node stops mid-task, and is taken again (issue 6, G1: the
 * replay check no longer trusts the broker's redelivered flag, so it must know these).
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedeliveredToTheSameContextTest {

  private static final byte[] KEY =
      "redelivered-same-context-key-32b".getBytes(StandardCharsets.UTF_8);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private RabbitContext ctx;

  @BeforeEach
  void open(RabbitBroker.Broker broker) {
    ctx =
        RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-redelivery").build();
  }

  @AfterEach
  void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private static BrokerQueue core(ProcessQueue<?> q) {
    return ((RabbitProcessQueue<?>) q).core;
  }

  private static Channel channelOf(ProcessQueue<?> q, Thread taker) {
    return Objects.requireNonNull(core(q).channelForTest(taker), "the thread has taken nothing");
  }

  /**
   * Makes the broker close a channel, as its consumer_timeout does: an ack of a delivery tag the
   * channel never had is a channel error (PRECONDITION_FAILED) that the broker answers with a
   * close.
   */
  private static void brokerCloses(Channel ch) throws Exception {
    ch.basicAck(1_000_000, false);
    await().atMost(WAIT).until(() -> !ch.isOpen());
  }

  @Test
  void get_channelClosedByTheBrokerWhileHoldingAnItem_theItemComesBackToTheSameThread()
      throws Exception {
    ProcessQueue<String> q = ctx.queue();
    q.put("x");
    assertThat(q.get(WAIT)).isEqualTo("x");
    long before = ctx.rejectedMessages();
    brokerCloses(channelOf(q, Thread.currentThread()));

    assertThat(q.get(WAIT)).as("the item went back unacked: at least once").isEqualTo("x");
    assertThat(ctx.rejectedMessages()).isEqualTo(before);
  }

  /**
   * The broker requeues the closed channel's item before it sends the close, so the redelivery to
   * another thread (a waiting consumer) may arrive before this client has read that close.
   */
  @Test
  void get_itemOfAnotherThreadWhoseChannelTheBrokerClosed_redeliveredToAWaitingThread()
      throws Exception {
    ProcessQueue<String> q = ctx.queue();
    q.put("x");
    CompletableFuture<Channel> holding = new CompletableFuture<>();
    CountDownLatch done = new CountDownLatch(1);
    Thread holder =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    assertThat(q.get(WAIT)).isEqualTo("x");
                    holding.complete(channelOf(q, Thread.currentThread()));
                    done.await(); // alive and holding: its item is not acked for it
                  } catch (Throwable t) {
                    holding.completeExceptionally(t);
                  }
                });
    CompletableFuture<String> got = new CompletableFuture<>();
    Thread waiter = null;
    try {
      Channel held = holding.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      long before = ctx.rejectedMessages();
      waiter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      got.complete(q.get(WAIT));
                    } catch (Throwable t) {
                      got.completeExceptionally(t);
                    }
                  });
      Thread w = waiter;
      await()
          .atMost(WAIT)
          .until(
              () ->
                  core(q).channelForTest(w) != null && w.getState() == Thread.State.TIMED_WAITING);
      brokerCloses(held);

      assertThat(got.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("x");
      assertThat(ctx.rejectedMessages()).isEqualTo(before);
    } finally {
      done.countDown();
      holder.join();
      if (waiter != null) {
        waiter.join();
      }
    }
  }

  /**
   * A node stopped without grace gives its tasks back unanswered; another node of the same pool in
   * the same context takes them and answers them.
   */
  @Test
  void workerNodeStoppedMidTask_itsTasksRunOnAnotherNodeOfTheSameContext() throws Exception {
    String pool = "given-back" + System.nanoTime();
    String gate = dir.resolve("gate").toString();
    String queue = RabbitPoolEngine.taskQueue((RabbitContextImpl) ctx, pool);
    try (ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      WorkerNode first = ctx.workerNode(pool, 1);
      try {
        // One running, one waiting in the node: its prefetch (processes + 1) is full.
        var tasks =
            List.of(
                client.submit(new PoolForgedTaskTest.Gate(gate)),
                client.submit(new PoolForgedTaskTest.Gate(gate)));
        await()
            .atMost(WAIT)
            .until(
                () ->
                    ((RabbitContextImpl) ctx)
                            .admin(ch -> ch.queueDeclarePassive(queue).getMessageCount())
                        == 0);
        try (WorkerNode second = ctx.workerNode(pool, 1)) {
          first.stop(Duration.ZERO);
          Files.writeString(Path.of(gate), "open");
          for (var f : tasks) {
            assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("opened");
          }
          await().atMost(WAIT).until(() -> second.tasksCompleted() == 2);
          assertThat(first.tasksCompleted()).isZero();
        }
      } finally {
        first.close();
      }
    }
  }
}
