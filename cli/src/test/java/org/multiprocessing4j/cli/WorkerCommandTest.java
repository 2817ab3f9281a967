package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
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
 * MP4J_AMQP_URI}, which CI sets) a worker JVM serves a pool and stops on SIGTERM with exit code 0.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerCommandTest {

  private static final String KEY = "worker-command-test-key-32-bytes";

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

  @Test
  void worker_servesAPoolThenStopsOnSigterm_exitCodeZero() throws Exception {
    String uri = System.getenv("MP4J_AMQP_URI");
    if (uri == null && !"1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
      Assumptions.abort("no broker: set MP4J_AMQP_URI");
    }
    assertThat(uri).as("MP4J_REQUIRE_BROKER=1 but MP4J_AMQP_URI is not set").isNotNull();
    String pool = "cli" + System.nanoTime();
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Mp4j.class.getName(),
                "worker",
                "--broker",
                uri,
                "--pool",
                pool,
                "--namespace",
                "mp4j-cli-test",
                "--processes",
                "1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("worker.log").toFile());
    pb.environment().put("MP4J_AUTHKEY", KEY);
    Process worker = pb.start();
    try (RabbitContext ctx =
            RabbitContext.builder().uri(uri).authKey(KEY).namespace("mp4j-cli-test").build();
        ProcessPoolExecutor client = ctx.poolBuilder().poolName(pool).workers(0).build()) {
      CompletableFuture<Long> parent =
          client.submit(() -> ProcessHandle.current().parent().orElseThrow().pid());
      assertThat(parent.get(90, TimeUnit.SECONDS)).isEqualTo(worker.pid());
      worker.destroy(); // SIGTERM
      assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String log = Files.readString(dir.resolve("worker.log"), StandardCharsets.UTF_8);
      assertThat(worker.exitValue()).as(log).isZero();
      assertThat(log).contains("serving pool " + pool).contains("stopped after 1 tasks");
    } finally {
      if (worker.isAlive()) {
        worker.destroyForcibly();
        await().atMost(Duration.ofSeconds(30)).until(() -> !worker.isAlive());
      }
    }
  }
}
