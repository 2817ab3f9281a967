package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The process scenarios of SCENARIOS.md, each run for real: the tutorial's program in a JVM of its
 * own, its children in further JVMs. Timings are bounds with slack.
 */
class ProcessScenariosTest {

  private static Outcome run(Scenario s, CapturedOutput out) throws Exception {
    Outcome outcome = s.run(out.stream());
    assertThat(outcome.passed()).as(outcome.observed() + "\n" + out.text()).isTrue();
    return outcome;
  }

  @Test
  void processStart_parentLineFirst_childDoneAboutThreeSecondsLater() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new ProcessStart(), out);
    assertThat(out.lines()).containsSubsequence("  | child 1 is running", "  | child 1 is done");
    assertThat(out.lines()).containsSubsequence("  | main", "  | child 1 is done");
  }

  @Test
  void processSubclass_fieldsCarriedIntoChild() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new ProcessSubclass(), out);
    assertThat(out.lines()).containsSubsequence("  | child is running", "  | child is done");
    assertThat(out.lines()).containsSubsequence("  | main", "  | child is done");
  }

  @Test
  void isolation_childWriteNotSeenByParent() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new Isolation(), out);
    assertThat(out.lines())
        .containsSubsequence("  | in the child: n = 0", "  | in the parent: n = 100");
  }

  @Test
  void join_childsParentIsTheParent_pidReadableAfterJoin() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new Join(), out);
    assertThat(o.observed()).contains("parent printed after the child was done");
  }

  @Test
  void joinConcurrent_totalIsTheLongestNotTheSum() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new JoinConcurrent(), out);
    assertThat(out.text())
        .contains("child 1 is running", "child 2 is running", "child 3 is running");
  }

  @Test
  void daemon_endsWithParent_andCannotBeSetAfterStart() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new Daemon(), out);
    assertThat(out.text()).doesNotContain("  | " + Daemon.DONE_LINE);
    assertThat(out.text()).contains("already started");
  }

  @Test
  void daemonNoChildren_clearError() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new DaemonNoChildren(), out);
    assertThat(out.text()).contains("daemonic processes are not allowed to have children");
  }

  @Test
  void daemonMixed_end456Appears_end123Never() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new DaemonMixed(), out);
    assertThat(out.lines()).contains("  | main-------", "  | end456");
    assertThat(out.lines()).doesNotContain("  | end123");
  }

  @Test
  void pid_threadSharesPid_childHasItsOwn() throws Exception {
    CapturedOutput out = new CapturedOutput();
    run(new Pid(), out);
  }
}
