package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenariosTest {

  /** The ids of SCENARIOS.md, in its order. */
  private static final List<String> SCENARIOS_MD =
      List.of(
          "process-start",
          "process-subclass",
          "isolation",
          "join",
          "join-concurrent",
          "daemon",
          "daemon-no-children",
          "daemon-mixed",
          "print-race",
          "mutex",
          "tickets",
          "queue-basics",
          "producer-consumer",
          "sentinel",
          "joinable-queue",
          "threads-start",
          "threads-share",
          "pid",
          "thread-api",
          "daemon-thread",
          "race",
          "lock-vs-join",
          "deadlock",
          "process-pool",
          "thread-pool",
          "futures",
          "message-queue");

  @Test
  void all_idsAreThoseOfScenariosMd_inItsOrder() {
    List<String> ids = Scenarios.all().stream().map(Scenario::id).toList();

    assertThat(ids).doesNotHaveDuplicates().isSubsetOf(SCENARIOS_MD);
    assertThat(ids)
        .isSortedAccordingTo((a, b) -> SCENARIOS_MD.indexOf(a) - SCENARIOS_MD.indexOf(b));
  }

  @Test
  void all_includesTheThreadScenarios() {
    assertThat(Scenarios.all())
        .extracting(Scenario::id)
        .contains(
            "threads-start",
            "threads-share",
            "thread-api",
            "daemon-thread",
            "race",
            "lock-vs-join");
  }

  @Test
  void find_knownId_returnsIt() {
    assertThat(Scenarios.find("race")).get().extracting(Scenario::id).isEqualTo("race");
  }

  @Test
  void find_unknownId_returnsEmpty() {
    assertThat(Scenarios.find("no-such-scenario")).isEmpty();
  }
}
