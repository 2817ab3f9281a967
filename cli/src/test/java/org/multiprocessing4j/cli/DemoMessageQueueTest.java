package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.examples.Scenarios;

/**
 * {@code mp4j demo message-queue}: with a broker given by {@code --broker} or {@code MP4J_BROKER}
 * it runs and passes; with neither, it starts a private broker with the {@code .ci/rabbitmq.sh} of
 * the checkout named by {@code mp4j.home} (as the {@code mp4j} script sets it) from any folder, or
 * says why it could not: {@code rabbitmq-server} missing, or installed but unable to start a
 * broker. The explanations are checked with a stand-in server and start script, so they do not
 * depend on what this host has installed; the runs use the broker of {@code MP4J_AMQP_URI}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DemoMessageQueueTest {

  private static final String PASSED = "10 of 10 buns eaten, each once";

  @TempDir Path dir;

  @AfterEach
  void forgetBroker() {
    System.clearProperty("mp4j.broker");
  }

  /** An executable file that stands for an installed rabbitmq-server. */
  private Path installedServer() throws Exception {
    Path server = dir.resolve("rabbitmq-server");
    Files.writeString(server, "#!/bin/sh\nexit 1\n");
    Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwx------"));
    return server;
  }

  /** A checkout whose .ci/rabbitmq.sh runs {@code start} as given, and logs each call. */
  private Path checkout(String start) throws Exception {
    Path home = dir.resolve("checkout");
    Files.createDirectories(home.resolve(".ci"));
    Files.writeString(
        home.resolve(".ci/rabbitmq.sh"),
        "echo \"$1\" >>\"$(dirname \"$0\")/calls\"\n"
            + "case \"$1\" in\n"
            + "  start) "
            + start
            + " ;;\n"
            + "  stop) exit 0 ;;\n"
            + "esac\n");
    return home;
  }

  /**
   * Runs {@code mp4j demo message-queue} in a JVM of its own, in a folder outside the checkout,
   * with {@code MP4J_BROKER} set to {@code brokerEnv} (if not null) and without {@code
   * MP4J_AMQP_URI}.
   */
  private Child demo(Path home, Path server, @Nullable String brokerEnv) throws Exception {
    ProcessBuilder pb =
        Child.builder(
                List.of("-Dmp4j.home=" + home, "-Dmp4j.test.rabbitmqServer=" + server),
                "demo",
                "message-queue")
            .directory(Files.createDirectories(dir.resolve("elsewhere")).toFile());
    pb.environment().remove("MP4J_AMQP_URI");
    pb.environment().remove("MP4J_BROKER");
    if (brokerEnv != null) {
      pb.environment().put("MP4J_BROKER", brokerEnv);
    }
    return new Child(pb, dir.resolve("demo.log"));
  }

  @Test
  void noBroker_serverNotInstalled_saysSoAndHowToInstallIt() throws Exception {
    Path home = checkout("exit 1");
    try (Child c = demo(home, dir.resolve("no-such-server"), null)) {
      int exit = c.exitCode(Duration.ofSeconds(60));
      String log = c.log();
      assertThat(exit).as(log).isEqualTo(Mp4j.FAILED);
      assertThat(log)
          .contains("no RabbitMQ broker: rabbitmq-server is not installed (no " + dir)
          .contains("--broker amqp://", "MP4J_BROKER")
          .contains(
              "install rabbitmq-server (Debian, as root: " + home + "/.ci/rabbitmq.sh install")
          .doesNotContain("starting a private RabbitMQ broker");
    }
    assertThat(home.resolve(".ci/calls")).doesNotExist();
  }

  @Test
  void noBroker_serverInstalledButNoStartScript_saysSoWithoutAdvisingAnInstall() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("not-a-checkout"));
    try (Child c = demo(empty, installedServer(), null)) {
      int exit = c.exitCode(Duration.ofSeconds(60));
      String log = c.log();
      assertThat(exit).as(log).isEqualTo(Mp4j.FAILED);
      assertThat(log)
          .contains("rabbitmq-server is installed, but .ci/rabbitmq.sh")
          .contains("mp4j.home=" + empty)
          .contains("--broker amqp://", "MP4J_BROKER", "mp4j script")
          .doesNotContain("install rabbitmq-server");
    }
  }

  @Test
  void noBroker_serverInstalledButTheBrokerCannotStart_saysWhyWithoutAdvisingAnInstall()
      throws Exception {
    Path home = checkout("echo 'rabbitmq.sh: no free port found in [20000, 40000)' >&2; exit 1");
    try (Child c = demo(home, installedServer(), null)) {
      int exit = c.exitCode(Duration.ofSeconds(60));
      String log = c.log();
      assertThat(exit).as(log).isEqualTo(Mp4j.FAILED);
      assertThat(log)
          .contains("starting a private RabbitMQ broker")
          .contains(
              "rabbitmq-server is installed, but the private broker did not start:"
                  + " rabbitmq.sh: no free port found in [20000, 40000)")
          .contains("--broker amqp://", "MP4J_BROKER")
          .doesNotContain("install rabbitmq-server");
    }
    // what the failed start left is stopped and removed
    assertThat(Files.readAllLines(home.resolve(".ci/calls"))).containsExactly("start", "stop");
  }

  @Test
  void noBroker_fromAFolderOutsideTheCheckout_startsOneWithTheCheckoutsScript() throws Exception {
    String uri = Child.brokerUri();
    // the stand-in script "starts" the test broker: the demo found it through mp4j.home alone
    Path home = checkout("echo '" + uri + "'");
    try (Child c = demo(home, installedServer(), null)) {
      int exit = c.exitCode(Duration.ofMinutes(4));
      String log = c.log();
      assertThat(exit).as(log).isZero();
      assertThat(log).contains("starting a private RabbitMQ broker", PASSED);
    }
    assertThat(Files.readAllLines(home.resolve(".ci/calls"))).containsExactly("start", "stop");
  }

  @Test
  void brokerEnvironmentVariable_runsAndPasses() throws Exception {
    String uri = Child.brokerUri();
    Path home = checkout("exit 1");
    try (Child c = demo(home, dir.resolve("no-such-server"), uri)) {
      int exit = c.exitCode(Duration.ofMinutes(4));
      String log = c.log();
      assertThat(exit).as(log).isZero();
      assertThat(log).contains(PASSED).doesNotContain("starting a private RabbitMQ broker");
    }
    assertThat(home.resolve(".ci/calls")).doesNotExist();
  }

  @Test
  void brokerOption_runsAndPasses() {
    String uri = Child.brokerUri();
    Run run = Run.mp4j(Scenarios.all(), "demo", "--broker", uri, "message-queue");

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains("observed: " + PASSED, "PASS")
        .doesNotContain("starting a private RabbitMQ broker");
  }
}
