package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiprocessing4j.cli.StubScenario.Behaviour.FAIL;
import static org.multiprocessing4j.cli.StubScenario.Behaviour.PASS;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.examples.Scenario;
import org.multiprocessing4j.examples.Scenarios;

class DemoCommandTest {

  private static final List<Scenario> STUBS =
      List.of(new StubScenario("good-one", PASS), new StubScenario("bad-one", FAIL));

  @Test
  void demo_unknownId_failsWithErrorListingValidIds() {
    Run run = Run.mp4j(Scenarios.all(), "demo", "no-such-scenario");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("unknown scenario 'no-such-scenario'", "Valid ids:");
    for (Scenario scenario : Scenarios.all()) {
      assertThat(run.err()).contains("  " + scenario.id() + " ");
    }
    assertThat(run.out()).isEmpty();
  }

  @Test
  void demo_noId_failsWithErrorListingValidIds() {
    Run run = Run.mp4j(STUBS, "demo");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("missing the id", "good-one", "bad-one");
  }

  @Test
  void demo_list_printsIdsWithTitlesInOrder() {
    Run run = Run.mp4j(STUBS, "demo", "--list");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines())
        .containsExactly("  good-one  Stub that does PASS", "  bad-one   Stub that does FAIL");
  }

  @Test
  void demo_help_listsScenariosWithTitles() {
    Run run = Run.mp4j(Scenarios.all(), "demo", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: mp4j demo", "Scenarios:");
    String listed = run.out().replaceAll("\\s+", " ");
    for (Scenario scenario : Scenarios.all()) {
      assertThat(run.out()).contains("  " + scenario.id() + "  ");
      assertThat(listed).contains(scenario.title()); // a long title is wrapped under itself
    }
  }

  @Test
  void demo_list_longTitle_wrapsUnderItself() {
    String id = "a-rather-long-scenario-id";
    String title =
        "A title too long to share one line of eighty columns with the id in front of it";
    Run run = Run.mp4j(List.of(new StubScenario(id, PASS, title)), "demo", "--list");

    List<String> lines = run.out().lines().toList();
    String titleIndent = " ".repeat(2 + id.length() + 2);
    assertThat(lines).hasSize(2).allMatch(line -> line.length() <= 80);
    assertThat(lines.getFirst()).startsWith("  " + id + "  A title");
    assertThat(lines.get(1)).startsWith(titleIndent).doesNotStartWith(titleIndent + " ");
    assertThat(String.join(" ", lines).replaceAll("\\s+", " ")).endsWith(title);
  }

  @Test
  void demo_help_linesFitEightyColumns() {
    Run run = Run.mp4j(Scenarios.all(), "demo", "--help");

    assertThat(run.out().lines()).allMatch(line -> line.length() <= 80);
  }

  @Test
  void demo_passingScenario_printsReportAndExitsZero() {
    Run run = Run.mp4j(STUBS, "demo", "good-one");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines())
        .containsSubsequence(
            "== good-one: Stub that does PASS (tutorial: test)",
            "expected: stub expects good-one",
            "good-one output line",
            "observed: good-one observed fine",
            "PASS");
  }

  @Test
  void demo_failingScenario_exitsOne() {
    Run run = Run.mp4j(STUBS, "demo", "bad-one");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out().lines()).endsWith("FAIL");
  }

  @AfterEach
  void forgetBroker() {
    System.clearProperty("mp4j.broker");
  }

  @Test
  void demo_broker_reachesTheScenarioThatUsesOne() {
    // Nothing listens on port 1: the scenario fails to connect, and says where it tried.
    Run run =
        Run.mp4j(Scenarios.all(), "demo", "--broker", "amqp://127.0.0.1:1/%2F", "message-queue");

    assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
    assertThat(run.out()).contains("127.0.0.1:1").doesNotContain("starting a private RabbitMQ");
  }

  @Test
  void demo_brokerThatIsNotAnAmqpUri_failsWithUsageError() {
    Run run = Run.mp4j(Scenarios.all(), "demo", "--broker", "http://host/", "message-queue");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--broker", "amqp://", "http://host/");
    assertThat(run.out()).doesNotContain("== message-queue");
  }

  @Test
  void demo_brokerForScenarioWithoutOne_saysItIsIgnored() {
    Run run = Run.mp4j(STUBS, "demo", "--broker", "amqp://127.0.0.1:1/%2F", "good-one");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).contains("good-one does not use a broker; --broker is ignored");
  }

  @Test
  void demo_realScenario_runsAndPasses() {
    Run run = Run.mp4j(Scenarios.all(), "demo", "threads-share");

    assertThat(run.exitCode()).as(run.out()).isZero();
    assertThat(run.out()).contains("main thread: n = 0", "PASS");
  }
}
