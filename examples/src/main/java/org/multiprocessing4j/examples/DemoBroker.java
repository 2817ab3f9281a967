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
 *
 * <p>The checkout is the one named by the system property {@value #HOME} (the {@code mp4j} script
 * sets it, so the demo starts a broker from any current directory); without it, the first folder
 * holding {@code .ci/rabbitmq.sh} at or above the current directory. When there is no broker,
 * {@link #problem()} and {@link #advice()} say why and what to do: a missing {@code
 * rabbitmq-server} is told apart from one that is installed but could not start a broker.
 */
final class DemoBroker implements AutoCloseable {

  /** The system property naming the multiprocessing4j checkout (set by the {@code mp4j} script). */
  static final String HOME = "mp4j.home";

  /**
   * The system property that replaces the path of Debian's {@code rabbitmq-server}, for tests of
   * the paths that explain why there is no broker (as the {@code rabbitmq} module's tests have).
   */
  static final String SERVER = "mp4j.test.rabbitmqServer";

  private static final String DEBIAN_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

  private static final String GIVE_ONE =
      "pass --broker amqp://user:pass@host:5672/%2F (or set MP4J_BROKER to it)";

  private final @Nullable String uri;
  private final String problem;
  private final String advice;
  private final @Nullable Path script;
  private final @Nullable Path dir;

  private DemoBroker(
      @Nullable String uri,
      String problem,
      String advice,
      @Nullable Path script,
      @Nullable Path dir) {
    this.uri = uri;
    this.problem = problem;
    this.advice = advice;
    this.script = script;
    this.dir = dir;
  }

  private static DemoBroker given(String uri) {
    return new DemoBroker(uri, "", "", null, null);
  }

  private static DemoBroker none(String problem, String advice) {
    return new DemoBroker(null, problem, advice, null, null);
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
      return given(given);
    }
    for (String var : new String[] {"MP4J_BROKER", "MP4J_AMQP_URI"}) {
      String v = System.getenv(var);
      if (v != null && !v.isBlank()) {
        return given(v.strip());
      }
    }
    Path server = Path.of(System.getProperty(SERVER, DEBIAN_SERVER));
    Path script = script();
    if (!Files.isExecutable(server)) {
      return none(
          "rabbitmq-server is not installed (no " + server + ")",
          GIVE_ONE
              + ", or install rabbitmq-server (Debian, as root: "
              + (script != null ? script : ".ci/rabbitmq.sh")
              + " install, or apt-get install -y rabbitmq-server) so that the demo starts a"
              + " private broker");
    }
    if (script == null) {
      String home = System.getProperty(HOME);
      return none(
          "rabbitmq-server is installed, but .ci/rabbitmq.sh, which starts a private broker, is"
              + " not "
              + (home != null
                  ? "in " + HOME + "=" + home
                  : "in " + Path.of("").toAbsolutePath() + " or a folder above it"),
          GIVE_ONE
              + ", or run the demo with the mp4j script of a multiprocessing4j checkout (it"
              + " finds its .ci/rabbitmq.sh from any folder)");
    }
    String startFailed =
        GIVE_ONE
            + "; to see the private broker's own messages, run: bash "
            + script
            + " start /tmp/mp4j-broker (and then: bash "
            + script
            + " stop /tmp/mp4j-broker)";
    out.println("(starting a private RabbitMQ broker on 127.0.0.1, about 10 s)");
    Path dir;
    try {
      dir = Files.createTempDirectory("mp4j-demo-broker");
    } catch (IOException e) {
      return none(
          "rabbitmq-server is installed, but no folder for a private broker: " + e, startFailed);
    }
    try {
      Path errors = Files.createTempFile("mp4j-demo-broker", ".err");
      try {
        Process p =
            new ProcessBuilder("bash", script.toString(), "start", dir.toString())
                .redirectError(errors.toFile())
                .start();
        String uri = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return failed(script, dir, "it did not start within 180 s", startFailed);
        }
        if (p.exitValue() != 0 || uri.isEmpty()) {
          return failed(script, dir, lastLine(errors, p.exitValue()), startFailed);
        }
        return new DemoBroker(uri, "", "", script, dir);
      } finally {
        Files.deleteIfExists(errors);
      }
    } catch (IOException e) {
      return failed(script, dir, e.toString(), startFailed);
    }
  }

  /** Stops what a failed start left in {@code dir}, and returns the explanation. */
  private static DemoBroker failed(Path script, Path dir, String why, String advice) {
    new DemoBroker(null, "", "", script, dir).close();
    return none(
        "rabbitmq-server is installed, but the private broker did not start: " + why, advice);
  }

  /** The last line the start script wrote on its standard error, which says why it failed. */
  private static String lastLine(Path errors, int exitValue) throws IOException {
    String last = "";
    for (String line : Files.readAllLines(errors, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        last = line.strip();
      }
    }
    return last.isEmpty()
        ? "its start script exited with " + exitValue + " and said nothing"
        : last;
  }

  /** The checkout's .ci/rabbitmq.sh: the one of {@link #HOME} if set, else found from here up. */
  private static @Nullable Path script() {
    String home = System.getProperty(HOME);
    if (home != null) {
      Path s = Path.of(home).resolve(".ci/rabbitmq.sh");
      return Files.isRegularFile(s) ? s.toAbsolutePath() : null;
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(".ci/rabbitmq.sh"))) {
        return d.resolve(".ci/rabbitmq.sh");
      }
    }
    return null;
  }

  /** Returns the broker's URI, or null if there is none. */
  @Nullable String uri() {
    return uri;
  }

  /** Returns why there is no broker. */
  String problem() {
    return problem;
  }

  /** Returns what to do to get a broker, when there is none. */
  String advice() {
    return advice;
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
