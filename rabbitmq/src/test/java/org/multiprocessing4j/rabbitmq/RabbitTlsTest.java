package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.UnserializableValueException;

/**
 * TLS on a broker of its own, started with {@code .ci/rabbitmq.sh start --tls} (a CA and a server
 * certificate for 127.0.0.1 made with openssl) for this class and stopped after it, pass or fail.
 * Skipped, saying why, without openssl or rabbitmq-server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RabbitTlsTest {

  private static final Path SCRIPT = Path.of("..", ".ci", "rabbitmq.sh");
  private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");

  private static @Nullable Path dir;
  private static String amqpsUri = "";
  private static @Nullable SSLContext trustingTheCa;

  @BeforeAll
  static void startTlsBroker() throws Exception {
    Assumptions.assumeTrue(
        onPath("openssl"), "skipped: openssl is not installed (apt-get install -y openssl)");
    if (!Files.isExecutable(SERVER)) {
      String why = "skipped: rabbitmq-server is not installed (.ci/rabbitmq.sh install, as root)";
      if ("1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
        throw new IllegalStateException("MP4J_REQUIRE_BROKER=1 but " + why);
      }
      Assumptions.abort(why);
    }
    Path d = Files.createTempDirectory("mp4j-rabbitmq-tls");
    dir = d;
    Runtime.getRuntime().addShutdownHook(new Thread(RabbitTlsTest::stopTlsBroker)); // run cut short
    Process p =
        new ProcessBuilder("bash", SCRIPT.toString(), "start", "--tls", d.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("the TLS broker started in time").isTrue();
    assertThat(p.exitValue()).as("rabbitmq.sh start --tls exit code; output: " + out).isZero();
    assertThat(out).startsWith("amqps://");
    amqpsUri = out;
    trustingTheCa = trusting(d.resolve("tls").resolve("ca.pem"));
  }

  @AfterAll
  static synchronized void stopTlsBroker() {
    Path d = dir;
    if (d == null) {
      return;
    }
    dir = null;
    try {
      new ProcessBuilder("bash", SCRIPT.toString(), "stop", d.toString())
          .inheritIO()
          .start()
          .waitFor(60, TimeUnit.SECONDS);
      new ProcessBuilder("rm", "-rf", d.toString()).start().waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      System.err.println("could not stop the TLS broker in " + d + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }

  /** An SSLContext whose only trusted certificate is the CA in {@code caPem}. */
  private static SSLContext trusting(Path caPem) throws Exception {
    Certificate ca;
    try (InputStream in = Files.newInputStream(caPem)) {
      ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("mp4j-test-ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, tmf.getTrustManagers(), null);
    return c;
  }

  private static SSLContext trust() {
    return java.util.Objects.requireNonNull(trustingTheCa, "the TLS broker did not start");
  }

  private static RabbitContext.Builder builder(String uri) {
    return RabbitContext.builder().uri(uri).authKey(TestContexts.KEY).namespace("mp4j-tls");
  }

  @Test
  void sslContext_trustingTheCa_putAndGetOverAmqps() throws Exception {
    try (RabbitContext ctx = builder(amqpsUri).sslContext(trust()).build()) {
      ProcessQueue<String> q = ctx.queue();
      q.put("over TLS");
      assertThat(q.get(Duration.ofSeconds(10))).isEqualTo("over TLS");
    }
  }

  /** An amqp:// URI on the TLS port, with an SSLContext: the SSLContext turns TLS on. */
  @Test
  void sslContext_amqpUri_impliesTls() throws Exception {
    String plainScheme = "amqp" + amqpsUri.substring("amqps".length());
    try (RabbitContext ctx = builder(plainScheme).sslContext(trust()).build()) {
      ProcessQueue<Integer> q = ctx.queue();
      q.put(7);
      assertThat(q.get(Duration.ofSeconds(10))).isEqualTo(7);
    }
  }

  @Test
  void amqps_caNotTrusted_buildFailsWithAHandshakeMessage() {
    assertThatThrownBy(() -> builder(amqpsUri).build())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("TLS handshake")
        .hasMessageContaining("sslContext(...)")
        .hasMessageContaining("javax.net.ssl.trustStore")
        .hasMessageContaining("guest:***@")
        .hasMessageNotContaining("guest:guest");
  }

  @Test
  void sslContext_handleCapturedByAChild_throwsSayingTheSslContextCannotTravel() throws Exception {
    try (RabbitContext ctx = builder(amqpsUri).sslContext(trust()).build()) {
      ProcessQueue<String> q = ctx.queue();
      assertThatThrownBy(
              () -> {
                JvmProcess p = ctx.process(() -> q.put("from the child"));
                p.start();
                p.join();
              })
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("built with sslContext(...) cannot go to another process")
          .hasMessageContaining("JAVA_TOOL_OPTIONS")
          .hasRootCauseInstanceOf(IllegalStateException.class);
      assertThat(JvmProcess.activeChildren()).isEmpty();
    }
  }
}
