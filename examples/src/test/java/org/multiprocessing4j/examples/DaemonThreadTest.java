package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the tutorial's program in a real child JVM, whose main thread really ends. */
class DaemonThreadTest {

  @Test
  void program_mainEnds_daemonThreadsLineNeverAppears() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new DaemonThread().run(out.stream());

    List<String> lines = out.lines();
    assertThat(lines).containsSubsequence("  | main thread", "  | true");
    assertThat(out.text()).doesNotContain(DaemonThread.HELLO_LINE);
    assertThat(outcome.passed()).as(outcome.observed()).isTrue();
  }

  @Test
  void program_jvmExitsWithCodeZero() throws Exception {
    CapturedOutput out = new CapturedOutput();

    new DaemonThread().run(out.stream());

    assertThat(out.text()).contains("child JVM exited with code 0");
  }
}
