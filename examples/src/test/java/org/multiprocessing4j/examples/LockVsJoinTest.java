package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockVsJoinTest {

  private static final int THREADS = 20;
  private static final Duration UNLOCKED = Duration.ofMillis(30);
  private static final Duration LOCKED = Duration.ofMillis(5);

  private final LockVsJoin scenario = new LockVsJoin(THREADS, UNLOCKED, LOCKED);

  /** The critical sections take turns, so the run lasts at least their sum. */
  @Test
  void withLock_criticalSectionOnly_endsAtZero() throws Exception {
    LockVsJoin.Run run = scenario.withLock(new CapturedOutput().stream());

    assertThat(run.n()).isZero();
    assertThat(run.elapsed()).isGreaterThanOrEqualTo(LOCKED.multipliedBy(THREADS));
  }

  /** Every part of every task takes turns, so the run lasts at least the sum of all sleeps. */
  @Test
  void serialJoin_startThenJoinEach_endsAtZero() throws Exception {
    LockVsJoin.Run run = scenario.serialJoin(new CapturedOutput().stream());

    assertThat(run.n()).isZero();
    assertThat(run.elapsed()).isGreaterThanOrEqualTo(UNLOCKED.plus(LOCKED).multipliedBy(THREADS));
  }

  @Test
  void run_lockOnlyTheCriticalSection_isFasterThanSerialJoin() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = scenario.run(out.stream());

    assertThat(out.lines())
        .filteredOn(line -> line.startsWith("main: "))
        .hasSize(2)
        .allMatch(line -> line.endsWith(", n = 0"));
    assertThat(outcome.passed()).as(outcome.observed()).isTrue();
  }
}
