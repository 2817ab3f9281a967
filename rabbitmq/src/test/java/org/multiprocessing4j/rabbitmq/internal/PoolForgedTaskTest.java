package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.TaskCallable;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;
import org.multiprocessing4j.rabbitmq.WorkerNode;

/**
 * Task messages injected straight into a pool's task queue with the raw client: unsigned, forged,
 * truncated, signed for another queue, stale and replayed ones are rejected before anything in them
 * is deserialized, nothing of them runs, and the node goes on serving.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolForgedTaskTest {

  private static final byte[] KEY =
      "pool-forged-task-test-key-32byte".getBytes(StandardCharsets.UTF_8);
  private static final byte[] WRONG_KEY =
      "not-the-key-of-the-pool-32-bytes".getBytes(StandardCharsets.UTF_8);

  /** Appends a word to a file: what a task that ran leaves behind. */
  record Mark(String path, String word) implements TaskCallable<String> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public String call() throws IOException {
      Files.writeString(
          Path.of(path), word + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return word;
    }
  }

  /** Waits until a file exists, then returns its name: a task that holds a worker until told. */
  record Gate(String path) implements TaskCallable<String> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public String call() throws InterruptedException {
      while (!Files.exists(Path.of(path))) {
        Thread.sleep(10);
      }
      return "opened";
    }
  }

  @TempDir Path dir;
  private RabbitContext ctx;
  private Connection raw;
  private Channel ch;

  @BeforeEach
  void open(RabbitBroker.Broker broker) throws Exception {
    ctx = RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-forged").build();
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(broker.uri());
    raw = f.newConnection();
    ch = raw.createChannel();
    ch.confirmSelect();
  }

  @AfterEach
  void close() throws IOException {
    if (raw != null) {
      raw.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  private void inject(String queue, byte[] body) throws Exception {
    ch.basicPublish("", queue, null, body);
    ch.waitForConfirmsOrDie(10_000);
  }

  private static byte[] task(Object callable) throws IOException {
    return task("injected", callable);
  }

  private static byte[] task(String id, Object callable) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(callable);
    }
    // the reply queue does not exist: the node must log it and go on, not fail
    return PoolMessages.write(
        new PoolMessages.Task(id, "mp4j-forged.no-such-reply-queue", -1, b.toByteArray()));
  }

  @Test
  void workerNode_badTaskMessagesInjected_rejectedNothingRunsAndNodeServesOn() throws Exception {
    String pool = "forged" + System.nanoTime();
    String queue = "mp4j-forged.pool." + pool + ".tasks";
    Path marks = dir.resolve("marks");
    String path = marks.toString();
    try (WorkerNode node = ctx.workerNode(pool, 1);
        ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      Envelope right = new Envelope(KEY, Duration.ofDays(1).toMillis());
      byte[] genuine = right.seal(queue, PoolMessages.TASK, task(new Mark(path, "genuine")));
      byte[] forged = task(new Mark(path, "forged"));

      inject(queue, "plain text, no envelope".getBytes(StandardCharsets.UTF_8));
      inject(queue, new Envelope(WRONG_KEY, 86_400_000).seal(queue, PoolMessages.TASK, forged));
      inject(queue, Arrays.copyOf(genuine, genuine.length - 5));
      inject(queue, right.seal(queue + ".other", PoolMessages.TASK, forged));
      inject(
          queue,
          right.sealAt(
              queue, PoolMessages.TASK, forged, System.currentTimeMillis() - 2 * 86_400_000L));
      inject(queue, right.seal(queue, Codec.SERIALIZED, forged)); // signed, but not a task
      inject(queue, genuine); // runs once
      inject(queue, genuine); // a replay

      assertThat(client.submit(new Mark(path, "after")).get(60, TimeUnit.SECONDS))
          .isEqualTo("after");
      assertThat(Files.readAllLines(marks))
          .as("only the genuine task ran, once, then the client's")
          .containsExactly("genuine", "after");
      // A task counts once the broker confirmed its answer, which may come after the client has it.
      await().atMost(Duration.ofSeconds(30)).until(() -> node.tasksCompleted() == 2);
      assertThat(node.tasksCompleted()).isEqualTo(2);
    }
  }

  /**
   * A captured task laundered through the broker: a copy injected, fetched by another client
   * without an ack and handed back by closing its channel, so that the broker delivers it marked
   * redelivered. The node never gave that task back, so the copy is a replay: it does not run a
   * second time, and the node goes on serving (issue 6, gap G1).
   */
  @Test
  void workerNode_capturedTaskRedeliveredByTheBroker_notRunAgainAndNodeServesOn() throws Exception {
    String pool = "laundered" + System.nanoTime();
    String queue = "mp4j-forged.pool." + pool + ".tasks";
    Path marks = dir.resolve("marks");
    String path = marks.toString();
    String gate = dir.resolve("gate").toString();
    try (WorkerNode node = ctx.workerNode(pool, 1);
        ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      Envelope right = new Envelope(KEY, Duration.ofDays(1).toMillis());
      byte[] genuine = right.seal(queue, PoolMessages.TASK, task(new Mark(path, "genuine")));
      inject(queue, genuine);
      await().atMost(Duration.ofSeconds(60)).until(() -> node.tasksCompleted() == 1);
      long before = ctx.rejectedMessages();

      // Two gated tasks fill the node's prefetch (processes + 1), so the copy waits in the queue.
      inject(queue, right.seal(queue, PoolMessages.TASK, task("gate-1", new Gate(gate))));
      inject(queue, right.seal(queue, PoolMessages.TASK, task("gate-2", new Gate(gate))));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> ch.queueDeclarePassive(queue).getMessageCount() == 0);
      inject(queue, genuine);
      for (int hop = 0; hop < 2; hop++) {
        try (Channel thief = raw.createChannel()) {
          GetResponse r = thief.basicGet(queue, false);
          assertThat(r).isNotNull();
          assertThat(r.getBody()).isEqualTo(genuine);
          assertThat(r.getEnvelope().isRedeliver()).isEqualTo(hop > 0);
        } // closed unacked: the broker requeues the copy, marked redelivered
      }
      Files.writeString(Path.of(gate), "open");
      await().atMost(Duration.ofSeconds(60)).until(() -> node.tasksCompleted() >= 3);

      assertThat(client.submit(new Mark(path, "after")).get(60, TimeUnit.SECONDS))
          .isEqualTo("after");
      assertThat(Files.readAllLines(marks))
          .as("the genuine task ran once; its laundered copy never")
          .containsExactly("genuine", "after");
      assertThat(ctx.rejectedMessages() - before).isEqualTo(1);
      await().atMost(Duration.ofSeconds(30)).until(() -> node.tasksCompleted() == 4);
    }
  }

  @Test
  void taskOlderThanTheMaximumAge_notRunAndItsSubmitterToldWithTimeoutException(
      RabbitBroker.Broker broker) throws Exception {
    String pool = "expired" + System.nanoTime();
    Path marks = dir.resolve("marks");
    String path = marks.toString();
    try (RabbitContext young =
            RabbitContext.builder()
                .uri(broker.uri())
                .authKey(KEY)
                .namespace("mp4j-forged")
                .maxMessageAge(Duration.ofSeconds(2))
                .build();
        ProcessPoolExecutor client = young.poolBuilder().poolName(pool).workers(0).build()) {
      // No node serves the pool yet: the task waits in the broker until it is older than 2 s.
      var old = client.submit(new Mark(path, "old"));
      long submitted = System.nanoTime();
      Thread.sleep(3_000); // ages the message; nothing here waits for another process
      assertThat(System.nanoTime() - submitted).isGreaterThan(TimeUnit.SECONDS.toNanos(2));
      try (WorkerNode node = young.workerNode(pool, 1)) {
        assertThatThrownBy(() -> old.get(60, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(TimeoutException.class)
            .hasMessageContaining("was not run")
            .hasMessageContaining("maxMessageAge");
        assertThat(client.submit(new Mark(path, "fresh")).get(60, TimeUnit.SECONDS))
            .isEqualTo("fresh");
        assertThat(Files.readAllLines(marks))
            .as("the expired task never ran; the fresh one did")
            .containsExactly("fresh");
        await().atMost(Duration.ofSeconds(30)).until(() -> node.tasksCompleted() == 1);
      }
    }
  }
}
