package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.Progress;
import org.multiprocessing4j.examples.Scenarios;

class PrimesCommandTest {

  @Test
  void primes_twoWorkers_countsAndDrawsTheBarToTheEnd() {
    Run run =
        Run.mp4j(
            Scenarios.all(), "primes", "--limit", "100000", "--workers", "2", "--ranges", "20");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("9,592 primes below 100,000", "2 workers");
    assertThat(run.err()).contains("\r[", "] 100%", "20/20").endsWith(System.lineSeparator());
  }

  @Test
  void primes_noProgress_drawsNothing() {
    Run run =
        Run.mp4j(Scenarios.all(), "primes", "--limit", "1000", "--workers", "1", "--no-progress");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("168 primes below 1,000", "1 worker ");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void primes_badLimit_exitsTwo() {
    Run run = Run.mp4j(Scenarios.all(), "primes", "--limit", "1");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--limit must be 2 or more");
  }

  @Test
  void countPrimes_matchesKnownCounts() {
    assertThat(PrimesCommand.countPrimes(0, 100)).isEqualTo(25);
    assertThat(PrimesCommand.countPrimes(0, 50) + PrimesCommand.countPrimes(50, 100)).isEqualTo(25);
  }

  @Test
  void render_knownTotal_barPercentCountsAndEta() {
    String line = ProgressBar.render(new Progress(250, 1000, Duration.ofSeconds(1), false), 10);

    assertThat(line).isEqualTo("[##........]  25%  250/1,000  250/s  ETA 3.0 s");
  }

  @Test
  void render_unknownTotal_countAndRateOnly() {
    String line = ProgressBar.render(new Progress(5000, -1, Duration.ofSeconds(2), true), 10);

    assertThat(line).isEqualTo("5,000 done  2,500/s  in 2.0 s");
  }
}
