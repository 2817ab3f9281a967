package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The lock scenarios of SCENARIOS.md (print-race, mutex, tickets, deadlock), each run for real: the
 * tutorial's program in a JVM of its own, its children in further JVMs.
 */
class LockScenariosTest {

  private static Outcome run(Scenario s, CapturedOutput out) throws Exception {
    Outcome outcome = s.run(out.stream());
    assertThat(outcome.passed()).as(outcome.observed() + "\n" + out.text()).isTrue();
    return outcome;
  }

  @Test
  void printRace_linesOfProcessesInterleave() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new PrintRace(), out);
    assertThat(o.observed()).contains("they interleave");
    for (int p = 0; p < 3; p++) {
      assertThat(out.lines())
          .containsSubsequence(
              "  | process " + p + " first",
              "  | process " + p + " second",
              "  | process " + p + " third");
    }
  }

  @Test
  void mutex_eachProcessPrintsItsThreeLinesTogether() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new Mutex(), out);
    assertThat(o.observed()).contains(": together");
    String text = out.text();
    for (int p = 0; p < 3; p++) {
      assertThat(text)
          .contains(
              "  | process "
                  + p
                  + " first\n"
                  + "  | process "
                  + p
                  + " second\n"
                  + "  | process "
                  + p
                  + " third\n");
    }
  }

  @Test
  void tickets_withoutLockOversold_withLockExactlyOneBuys() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new Tickets(), out);
    assertThat(o.observed())
        .contains("without the lock 10 buyers saw 1 ticket")
        .contains("with the lock 10 saw it and 1 bought it");
    assertThat(out.lines()).containsSubsequence("  | " + Tickets.WITHOUT, "  | " + Tickets.WITH);
  }

  @Test
  void deadlock_detectedAndBrokenInOneWorker_reentrantVersionCompletes() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new DeadlockScenario(), out);
    assertThat(o.observed())
        .contains("1 worker gave up with the cycle reported and 1 finished")
        .contains("2 of 2 finished");
    assertThat(out.text()).contains("holds ProcessLock#").contains("-> pid ");
  }

  @Test
  void scenarios_listLockScenariosAfterDaemonMixed() {
    assertThat(Scenarios.all().stream().map(Scenario::id).toList())
        .containsSubsequence("daemon-mixed", "print-race", "mutex", "tickets", "threads-start")
        .containsSubsequence("lock-vs-join", "deadlock", "process-pool");
  }
}
