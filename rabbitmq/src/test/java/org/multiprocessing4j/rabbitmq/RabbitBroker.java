package org.multiprocessing4j.rabbitmq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.multiprocessing4j.JvmProcess;
import org.opentest4j.TestAbortedException;

/**
 * Gives tests a RabbitMQ broker, as a {@link Broker} parameter: the one at {@code MP4J_AMQP_URI}
 * when that is set (CI starts one), otherwise a private broker it starts once per test run with
 * {@code .ci/rabbitmq.sh} when {@code rabbitmq-server} is installed, and stops when the run ends,
 * pass or fail. Without either, the tests are skipped with a message saying how to get a broker —
 * unless {@code MP4J_REQUIRE_BROKER=1}, where they fail. After each test it kills the child JVMs
 * the test left running.
 */
public final class RabbitBroker
    implements BeforeEachCallback, ParameterResolver, AfterEachCallback {

  /** The broker of this run. */
  public record Broker(String uri) {}

  private static final Path SCRIPT = Path.of("..", ".ci", "rabbitmq.sh");

  /** Where Debian installs the server; a test of the skip path points it elsewhere. */
  private static final Path SERVER =
      Path.of(
          System.getProperty("mp4j.test.rabbitmqServer", "/usr/lib/rabbitmq/bin/rabbitmq-server"));

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
    return p.getParameter().getType() == Broker.class;
  }

  private static Started started(ExtensionContext c) {
    return c.getRoot()
        .getStore(ExtensionContext.Namespace.create(RabbitBroker.class))
        .getOrComputeIfAbsent("broker", k -> Started.start(), Started.class);
  }

  /**
   * Skips (or, with {@code MP4J_REQUIRE_BROKER=1}, fails) the test when there is no broker. Done
   * here rather than in parameter resolution, which would turn the skip into an error.
   */
  @Override
  public void beforeEach(ExtensionContext c) {
    Started s = started(c);
    if (s.uri == null) {
      if ("1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
        throw new IllegalStateException(
            "MP4J_REQUIRE_BROKER=1 but there is no broker: " + s.problem);
      }
      throw new TestAbortedException("skipped, no RabbitMQ broker: " + s.problem);
    }
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext c) {
    String uri = started(c).uri;
    if (uri == null) {
      throw new ParameterResolutionException("no RabbitMQ broker");
    }
    return new Broker(uri);
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (JvmProcess p : JvmProcess.activeChildren()) {
      try {
        p.kill();
        p.join();
      } catch (IllegalStateException closed) {
        // closed meanwhile by its owner (a pool terminating on a thread of its own): gone already
      }
    }
  }

  /** The broker of the run, closed (stopped if started here) when the run ends. */
  static final class Started implements AutoCloseable {
    final @Nullable String uri;
    final @Nullable String problem;
    final @Nullable Path dir;

    private Started(@Nullable String uri, @Nullable String problem, @Nullable Path dir) {
      this.uri = uri;
      this.problem = problem;
      this.dir = dir;
    }

    static Started start() {
      String env = System.getenv("MP4J_AMQP_URI");
      if (env != null && !env.isBlank()) {
        return new Started(env, null, null);
      }
      if (!Files.isExecutable(SERVER)) {
        return new Started(
            null,
            "set MP4J_AMQP_URI to a broker's amqp:// URI, or install rabbitmq-server (Debian,"
                + " as root: .ci/rabbitmq.sh install, or apt-get install -y rabbitmq-server) and"
                + " the tests start a private one",
            null);
      }
      try {
        Path dir = Files.createTempDirectory("mp4j-rabbitmq-test");
        Started s;
        Process p =
            new ProcessBuilder("bash", SCRIPT.toString(), "start", dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
          s = new Started(null, "the private broker did not start (see the output above)", dir);
        } else {
          s = new Started(out, null, dir);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(s::stop)); // if the run is cut short
        return s;
      } catch (IOException e) {
        return new Started(null, "cannot run " + SCRIPT + ": " + e, null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Started(null, "interrupted while starting the broker", null);
      }
    }

    synchronized void stop() {
      Path d = dir;
      if (d == null || !Files.exists(d.resolve("env"))) {
        return;
      }
      try {
        Process p =
            new ProcessBuilder("bash", SCRIPT.toString(), "stop", d.toString()).inheritIO().start();
        p.waitFor(60, TimeUnit.SECONDS);
        new ProcessBuilder("rm", "-rf", d.toString()).start().waitFor(30, TimeUnit.SECONDS);
      } catch (IOException e) {
        System.err.println("could not stop the private broker in " + d + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      stop();
    }
  }
}
