package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * {@code mp4j worker}: bad input is a usage error at once; on a real broker (the one of {@code
 * MP4J_AMQP_URI}, which CI sets) a worker JVM serves a pool and stops on SIGTERM with exit code 0,
 * one whose broker connection is lost exits 1 saying that nothing reconnects it, and worker JVMs
 * join and leave while a pool's tasks run without any task lost or answered wrong.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerCommandTest {

  private static final String KEY = "worker-command-test-key-32-bytes";
  private static final String NAMESPACE = "mp4j-cli-test";

  @TempDir Path dir;

  private Path keyFile() throws Exception {
    Path f = dir.resolve("key");
    Files.writeString(f, KEY + "\n");
    return f;
  }

  @Test
  void worker_noKey_usageError() {
    Assumptions.assumeTrue(System.getenv("MP4J_AUTHKEY") == null);
    Run r = Run.mp4j(List.of(), "worker", "--broker", "amqp://127.0.0.1:1/%2F");
    assertThat(r.exitCode()).isEqualTo(Mp4j.USAGE);
    assertThat(r.err()).contains("no shared key").contains("MP4J_AUTHKEY");
  }

  @Test
  void worker_badUriOrProcesses_usageError() throws Exception {
    String key = keyFile().toString();
    Run bad = Run.mp4j(List.of(), "worker", "--authkey-file", key, "--broker", "http://x");
    assertThat(bad.exitCode()).isEqualTo(Mp4j.USAGE);
    assertThat(bad.err()).contains("amqp://");
    Run zero =
        Run.mp4j(
            List.of(),
            "worker",
            "--authkey-file",
            key,
            "--broker",
            "amqp://127.0.0.1:1/%2F",
            "--processes",
            "0");
    assertThat(zero.exitCode()).isEqualTo(Mp4j.USAGE);
    assertThat(zero.err()).contains("--processes must be 1 or more, got 0");
  }

  @Test
  void worker_unreachableBroker_failsWithTheReason() throws Exception {
    Run r =
        Run.mp4j(
            List.of(),
            "worker",
            "--authkey-file",
            keyFile().toString(),
            "--broker",
            "amqp://127.0.0.1:1/%2F");
    assertThat(r.exitCode()).isEqualTo(Mp4j.FAILED);
    assertThat(r.err()).contains("cannot connect");
  }

  /** Starts {@code mp4j worker} of {@code pool} with one process, in a JVM of its own. */
  private Child worker(String brokerUri, String pool) throws Exception {
    return worker(brokerUri, pool, "worker.log");
  }

  /**
   * Starts {@code mp4j worker} of {@code pool} with one process and {@code more} arguments, in a
   * JVM of its own logging to {@code log} in the test's folder.
   */
  private Child worker(String brokerUri, String pool, String log, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "--broker",
                brokerUri,
                "--pool",
                pool,
                "--namespace",
                NAMESPACE,
                "--processes",
                "1"));
    args.addAll(List.of(more));
    ProcessBuilder pb = Child.builder(List.of(), args.toArray(String[]::new));
    pb.environment().put("MP4J_AUTHKEY", KEY);
    return new Child(pb, dir.resolve(log));
  }

  /** Submits a task to {@code pool} and checks that a worker process of {@code node} ran it. */
  private static void assertServedBy(Child node, String uri, String pool) throws Exception {
    try (RabbitContext ctx =
            RabbitContext.builder().uri(uri).authKey(KEY).namespace(NAMESPACE).build();
        ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      CompletableFuture<Long> parent =
          client.submit(() -> ProcessHandle.current().parent().orElseThrow().pid());
      assertThat(parent.get(90, TimeUnit.SECONDS)).isEqualTo(node.process().pid());
    }
  }

  @Test
  void worker_servesAPoolThenStopsOnSigterm_exitCodeZero() throws Exception {
    String uri = Child.brokerUri();
    String pool = "cli" + System.nanoTime();
    try (Child worker = worker(uri, pool)) {
      assertServedBy(worker, uri, pool);

      worker.process().destroy(); // SIGTERM

      int exit = worker.exitCode(Duration.ofSeconds(60));
      String log = worker.log();
      assertThat(exit).as(log).isZero();
      assertThat(log).contains("serving pool " + pool).contains("stopped after 1 tasks");
    }
  }

  @Test
  void worker_brokerConnectionLost_exitsOneSayingNothingReconnects() throws Exception {
    String uri = Child.brokerUri();
    String pool = "cli-lost" + System.nanoTime();
    try (CuttableProxy proxy = new CuttableProxy(uri);
        Child worker = worker(proxy.uri(), pool)) {
      assertServedBy(worker, uri, pool); // serving through the proxy

      proxy.cut(); // as a network failure or a broker restart does

      int exit = worker.exitCode(Duration.ofSeconds(60));
      String log = worker.log();
      assertThat(exit).as(log).isEqualTo(Mp4j.FAILED);
      assertThat(log)
          .contains("lost its broker connection")
          .contains("nothing reconnects")
          .contains("supervisor")
          .doesNotContain("stopped after");
    }
  }

  /**
   * The task of the test below, run in a worker process of some {@code mp4j worker}: records its
   * run as an empty file {@code runs/<n>-<node-pid>-<random>} under {@code dir}; if {@code
   * hold-<node-pid>} exists, writes {@code n} into {@code held-<node-pid>} and waits while the hold
   * exists (so the test can catch that node mid-task); works 100 ms, and returns {@code [n * n,
   * node pid]}.
   */
  static List<Long> loggedTask(String dir, int n) throws Exception {
    long node = ProcessHandle.current().parent().orElseThrow().pid();
    Files.createFile(
        Path.of(dir, "runs", n + "-" + node + "-" + UUID.randomUUID().toString().replace("-", "")));
    Path hold = Path.of(dir, "hold-" + node);
    if (Files.exists(hold)) {
      Files.writeString(Path.of(dir, "held-" + node), Integer.toString(n));
      while (Files.exists(hold)) {
        Thread.sleep(10);
      }
    }
    Thread.sleep(100);
    return List.of((long) n * n, node);
  }

  /** Every run so far, as a "{@code n-node}" string (once per run). */
  private List<String> runs() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("runs"))) {
      return files
          .map(f -> f.getFileName().toString())
          .map(name -> name.substring(0, name.lastIndexOf('-')))
          .toList();
    }
  }

  /**
   * Nodes come and go while work runs: a second {@code mp4j worker} joins mid-run and takes a share
   * of the tasks; then the first one is sent SIGTERM while its process runs a task ({@code --grace
   * 0}: that task goes back to the broker at once) and exits 0. Every task completes with its right
   * value; the one given back ran again on the node that joined.
   */
  @Test
  void worker_joinsMidRunThenFirstStopsOnSigtermMidTask_everyTaskCompletes() throws Exception {
    String uri = Child.brokerUri();
    String pool = "cli" + System.nanoTime();
    String d = dir.toString();
    Files.createDirectory(dir.resolve("runs"));
    int tasks = 60;
    try (Child firstNode = worker(uri, pool, "first.log", "--grace", "0");
        RabbitContext ctx =
            RabbitContext.builder().uri(uri).authKey(KEY).namespace(NAMESPACE).build();
        ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      Process first = firstNode.process();
      List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        int n = i;
        futures.add(client.submit(() -> loggedTask(d, n)));
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> done(futures) >= 5);
      assertThat(done(futures)).as("the second node is not there yet").isLessThan(tasks / 2);
      try (Child secondNode = worker(uri, pool, "second.log", "--grace", "0")) {
        long secondPid = secondNode.process().pid();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () -> futures.stream().anyMatch(f -> f.isDone() && f.join().get(1) == secondPid));

        Path hold = dir.resolve("hold-" + first.pid());
        Files.writeString(hold, "");
        Path held = dir.resolve("held-" + first.pid());
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Files.exists(held) && Files.size(held) > 0);
        int caught = Integer.parseInt(Files.readString(held));
        first.destroy(); // SIGTERM while that task runs
        int exit = firstNode.exitCode(Duration.ofSeconds(60));
        String log = firstNode.log();
        assertThat(exit).as(log).isZero();
        assertThat(log).contains("stopping").contains("stopped after");

        for (int i = 0; i < tasks; i++) {
          assertThat(futures.get(i).get(90, TimeUnit.SECONDS).get(0))
              .as("task %d's result", i)
              .isEqualTo((long) i * i);
        }
        assertThat(futures.stream().filter(f -> f.join().get(1) == secondPid).count())
            .as("results from the node that joined mid-run")
            .isPositive();
        assertThat(runs())
            .as(
                "task %d, running on the first node at its SIGTERM, went back to the broker",
                caught)
            .containsOnlyOnce(caught + "-" + first.pid(), caught + "-" + secondPid)
            .hasSize(tasks + 1);
        assertThat(futures.get(caught).join().get(1)).isEqualTo(secondPid);
        secondNode.process().destroy(); // SIGTERM, idle
        int secondExit = secondNode.exitCode(Duration.ofSeconds(60));
        assertThat(secondExit).as(secondNode.log()).isZero();
      }
    }
  }

  private static long done(List<? extends CompletableFuture<?>> futures) {
    return futures.stream().filter(CompletableFuture::isDone).count();
  }
}
