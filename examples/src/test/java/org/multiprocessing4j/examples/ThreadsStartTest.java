package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThreadsStartTest {

  private static final Duration SLEEP = Duration.ofMillis(100);

  @Test
  void run_mainDoesNotWaitForThread_mainLineBeforeThreadsLastLine() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new ThreadsStart(SLEEP, SLEEP).run(out.stream());

    List<String> lines = out.lines();
    assertThat(lines).contains("egon piaoing", "main thread", "egon piao end");
    assertThat(lines.indexOf("main thread")).isLessThan(lines.indexOf("egon piao end"));
    assertThat(lines.indexOf("egon piaoing")).isLessThan(lines.indexOf("egon piao end"));
    assertThat(outcome.passed()).as(outcome.observed()).isTrue();
  }

  /** The thread sleeps between its two lines, and the run waits for it before returning. */
  @Test
  void run_returnsAfterTheThreadsSleep() throws Exception {
    Stopwatch stopwatch = Stopwatch.start();

    new ThreadsStart(SLEEP, SLEEP).run(new CapturedOutput().stream());

    assertThat(stopwatch.elapsed())
        .isGreaterThanOrEqualTo(SLEEP)
        .isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void run_observedReportsHowSoonTheThreadStarted() throws Exception {
    Outcome outcome = new ThreadsStart(SLEEP, SLEEP).run(new CapturedOutput().stream());

    assertThat(outcome.observed()).matches("thread's first line \\d+ ms after start\\(\\), .*");
  }

  @Test
  void constructor_maxSleepBelowMinSleep_throws() {
    assertThatThrownBy(() -> new ThreadsStart(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSleep < minSleep");
  }
}
