package org.multiprocessing4j.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code mp4j} in a JVM of its own, on this JVM's class path, for what a test cannot do in-process:
 * a given environment, working directory or signal. Its output goes to a log file.
 */
final class Child implements AutoCloseable {

  /** The broker tests' broker: {@code MP4J_AMQP_URI} (CI sets it), or the test is skipped. */
  static String brokerUri() {
    String uri = System.getenv("MP4J_AMQP_URI");
    if (uri == null && !"1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
      Assumptions.abort("no broker: set MP4J_AMQP_URI");
    }
    if (uri == null) {
      throw new IllegalStateException("MP4J_REQUIRE_BROKER=1 but MP4J_AMQP_URI is not set");
    }
    return uri;
  }

  /**
   * Returns a builder of {@code java [jvmOptions] -cp <this class path> Mp4j [args]}.
   *
   * @param jvmOptions options before the class path, as {@code -Dname=value}
   * @param args the arguments of {@code mp4j}
   */
  static ProcessBuilder builder(List<String> jvmOptions, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Mp4j.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private final Process process;
  private final Path log;

  /** Starts {@code pb} with its standard output and error going to {@code log}. */
  Child(ProcessBuilder pb, Path log) throws IOException {
    this.log = log;
    this.process = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  Process process() {
    return process;
  }

  /** Waits for the exit, and returns the exit code; fails the test if it does not come in time. */
  int exitCode(Duration timeout) throws InterruptedException, IOException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("mp4j did not exit within " + timeout + ":\n" + log());
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Kills the child and what it started, if still running. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
  }
}
