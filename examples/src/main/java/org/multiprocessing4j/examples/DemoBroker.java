package org.multiprocessing4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The RabbitMQ broker a demo uses: the one given to {@link Scenarios#useBroker(String)} (the CLI's
 * {@code --broker}), else the one named by {@code MP4J_BROKER} (or {@code MP4J_AMQP_URI}, which CI
 * sets), otherwise a private one started on loopback with the checkout's {@code .ci/rabbitmq.sh}
 * when {@code rabbitmq-server} is installed, and stopped by {@link #close()}.
 */
final class DemoBroker implements AutoCloseable {

  /** How to get a broker, for the message shown when there is none. */
  static final String HOW_TO =
      "pass --broker amqp://user:pass@host:5672/%2F (or set MP4J_BROKER to it), or install rabbitmq-server (Debian, as"
          + " root: .ci/rabbitmq.sh install) so that the demo starts a private broker";

  private final @Nullable String uri;
  private final String problem;
  private final @Nullable Path script;
  private final @Nullable Path dir;

  private DemoBroker(
      @Nullable String uri, String problem, @Nullable Path script, @Nullable Path dir) {
    this.uri = uri;
    this.problem = problem;
    this.script = script;
    this.dir = dir;
  }

  /** The system property {@link #use(String)} sets. */
  private static final String PROPERTY = "mp4j.broker";

  /** Makes {@link #find} return this broker; see {@link Scenarios#useBroker(String)}. */
  static void use(String uri) {
    String u = uri.strip();
    String scheme;
    try {
      scheme = java.net.URI.create(u).getScheme();
    } catch (IllegalArgumentException e) {
      scheme = null;
    }
    if (!"amqp".equals(scheme) && !"amqps".equals(scheme)) {
      throw new IllegalArgumentException(
          "a broker is an amqp:// or amqps:// URI, as amqp://user:pass@host:5672/%2F, got: \""
              + uri
              + "\"");
    }
    System.setProperty(PROPERTY, u);
  }

  /** Finds or starts a broker; never throws: {@link #uri()} is null when there is none. */
  static DemoBroker find(java.io.PrintStream out) throws InterruptedException {
    String given = System.getProperty(PROPERTY);
    if (given != null && !given.isBlank()) {
      return new DemoBroker(given, "", null, null);
    }
    for (String var : new String[] {"MP4J_BROKER", "MP4J_AMQP_URI"}) {
      String v = System.getenv(var);
      if (v != null && !v.isBlank()) {
        return new DemoBroker(v.strip(), "", null, null);
      }
    }
    if (!Files.isExecutable(Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server"))) {
      return new DemoBroker(null, "rabbitmq-server is not installed", null, null);
    }
    Path script = null;
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(".ci/rabbitmq.sh"))) {
        script = d.resolve(".ci/rabbitmq.sh");
        break;
      }
    }
    if (script == null) {
      return new DemoBroker(
          null, "no .ci/rabbitmq.sh above " + Path.of("").toAbsolutePath(), null, null);
    }
    out.println("(starting a private RabbitMQ broker on 127.0.0.1, about 10 s)");
    try {
      Path dir = Files.createTempDirectory("mp4j-demo-broker");
      Process p =
          new ProcessBuilder("bash", script.toString(), "start", dir.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String uri = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      boolean ok = p.waitFor(180, TimeUnit.SECONDS) && p.exitValue() == 0 && !uri.isEmpty();
      DemoBroker b =
          new DemoBroker(ok ? uri : null, "the private broker did not start", script, dir);
      if (!ok) {
        b.close();
      }
      return b;
    } catch (IOException e) {
      return new DemoBroker(null, "cannot start a private broker: " + e, null, null);
    }
  }

  /** Returns the broker's URI, or null if there is none. */
  @Nullable String uri() {
    return uri;
  }

  /** Returns why there is no broker. */
  String problem() {
    return problem;
  }

  /** Stops the broker if this started it. */
  @Override
  public void close() {
    Path s = script;
    Path d = dir;
    if (s == null || d == null) {
      return;
    }
    try {
      new ProcessBuilder("bash", s.toString(), "stop", d.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(60, TimeUnit.SECONDS);
      new ProcessBuilder("rm", "-rf", d.toString()).start().waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing more to do: the broker's folder is named in the temp directory
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
