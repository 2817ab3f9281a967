package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.multiprocessing4j.examples.Scenarios;

class Mp4jTest {

  @Test
  void help_listsSubcommandsAndExitCodes() {
    Run run = Run.mp4j(Scenarios.all(), "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: mp4j", "demo", "tour", "Exit codes:");
  }

  @Test
  void version_printsTheProjectsVersion() {
    Run run = Run.mp4j(Scenarios.all(), "--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("mp4j (multiprocessing4j) 0.").doesNotContain("unknown");
  }

  @Test
  void noSubcommand_printsUsageAndExitsTwo() {
    Run run = Run.mp4j(Scenarios.all(), new String[0]);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("missing a subcommand", "Usage: mp4j");
  }

  @Test
  void unknownSubcommand_exitsTwo() {
    Run run = Run.mp4j(Scenarios.all(), "frobnicate");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("frobnicate");
  }
}
