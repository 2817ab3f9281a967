package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RaceTest {

  private static final Pattern RESULT = Pattern.compile("main: (\\d+\\.\\d+) s, n = (-?\\d+)");

  private static final Duration SLEEP = Duration.ofMillis(200);

  @Test
  void race_withoutLock_endsAboveZero() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new Race(100, SLEEP).run(out.stream());

    Matcher result = lastResult(out);
    assertThat(Integer.parseInt(result.group(2))).isGreaterThan(50);
    assertThat(outcome.passed()).as(outcome.observed()).isTrue();
  }

  /** The threads sleep at the same time: far less than 100 sleeps one after the other. */
  @Test
  void race_threadsSleepConcurrently_takesAboutOneSleep() throws Exception {
    CapturedOutput out = new CapturedOutput();

    new Race(100, SLEEP).run(out.stream());

    double seconds = Double.parseDouble(lastResult(out).group(1));
    assertThat(seconds).isGreaterThanOrEqualTo(0.19).isLessThan(10 * 0.2);
  }

  @Test
  void race_manyThreads_printsFirstLinesAndElidesTheRest() throws Exception {
    CapturedOutput out = new CapturedOutput();

    new Race(10, Duration.ofMillis(10)).run(out.stream());

    assertThat(out.lines())
        .contains(
            "Thread-1 is running",
            "Thread-2 is running",
            "Thread-3 is running",
            "Thread-10 is running",
            "(Thread-4 to Thread-9 also printed \"is running\"; left out here)")
        .doesNotContain("Thread-4 is running");
  }

  private static Matcher lastResult(CapturedOutput out) {
    Matcher matcher = RESULT.matcher(out.lines().getLast());
    assertThat(matcher.matches()).as(out.text()).isTrue();
    return matcher;
  }
}
