package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * {@code mp4j worker}: bad input is a usage error at once; on a real broker (the one of {@code
 * MP4J_AMQP_URI}, which CI sets) a worker JVM serves a pool and stops on SIGTERM with exit code 0,
 * and one whose broker connection is lost exits 1 saying that nothing reconnects it.
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
    ProcessBuilder pb =
        Child.builder(
            List.of(),
            "worker",
            "--broker",
            brokerUri,
            "--pool",
            pool,
            "--namespace",
            NAMESPACE,
            "--processes",
            "1");
    pb.environment().put("MP4J_AUTHKEY", KEY);
    return new Child(pb, dir.resolve("worker.log"));
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
}
