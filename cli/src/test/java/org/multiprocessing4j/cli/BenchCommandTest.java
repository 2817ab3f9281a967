package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

  @Test
  void bench_list_printsEveryBenchmarkWithItsTitle() {
    Run run = Run.mp4j(List.of(), "bench", "--list");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines()).hasSize(BenchCommand.ALL.size());
    for (BenchCommand.Benchmark b : BenchCommand.ALL) {
      assertThat(run.out()).contains("  " + b.name() + " ", b.title());
    }
  }

  @Test
  void bench_unknownName_isAUsageErrorListingTheBenchmarks() {
    Run run = Run.mp4j(List.of(), "bench", "no-such-bench");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("unknown benchmark 'no-such-bench'", "  queue ", "  pool ");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void bench_noName_isAUsageError() {
    Run run = Run.mp4j(List.of(), "bench");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("missing the name of the benchmark");
  }

  @Test
  void bench_optionsAfterTheName_reachTheBenchmarkUntouched() {
    // Not an option of mp4j bench: picocli would reject it; the benchmark's own parser does.
    Run run = Run.mp4j(List.of(), "bench", "start", "--no-such-option");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("mp4j bench start: usage: StartLatency", "--no-such-option");
  }

  @Test
  void bench_help_listsTheBenchmarks() {
    Run run = Run.mp4j(List.of(), "bench", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: mp4j bench", "Benchmarks:", "  start ", "  pipe ");
  }
}
