package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.multiprocessing4j.cli.StubScenario.Behaviour.FAIL;
import static org.multiprocessing4j.cli.StubScenario.Behaviour.PASS;
import static org.multiprocessing4j.cli.StubScenario.Behaviour.THROW;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.examples.Outcome;

class TourCommandTest {

  @Test
  void tour_allPass_runsEachInOrderThenTableAndExitsZero() {
    Run run =
        Run.mp4j(
            List.of(new StubScenario("first", PASS), new StubScenario("second", PASS)), "tour");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines())
        .containsSubsequence(
            "mp4j tour: 2 scenarios, one after the other.",
            "== first: Stub that does PASS (tutorial: test)",
            "first output line",
            "PASS",
            "== second: Stub that does PASS (tutorial: test)",
            "second output line",
            "PASS");
    assertThat(run.out()).containsPattern("2 scenarios: 2 passed, 0 failed, in \\d+\\.\\d\\d s");
  }

  @Test
  void tour_someFail_tableShowsEachOutcomeAndExitsOne() {
    Run run =
        Run.mp4j(
            List.of(
                new StubScenario("good", PASS),
                new StubScenario("bad", FAIL),
                new StubScenario("broken", THROW)),
            "tour");

    assertThat(run.exitCode()).isEqualTo(1);
    List<String> table = tableLines(run.out());
    assertThat(table.get(1))
        .matches("\\| scenario +\\| expected +\\| observed +\\| time +\\| result \\|");
    assertThat(table)
        .anyMatch(
            row ->
                row.matches(
                    "\\| good +\\| stub expects good +\\| good observed fine +\\|.*\\| PASS +\\|"))
        .anyMatch(
            row ->
                row.matches(
                    "\\| bad +\\| stub expects bad +\\| bad observed wrong +\\|.*\\| FAIL +\\|"))
        .anyMatch(
            row -> row.startsWith("| broken ") && row.contains("threw") && row.contains("FAIL"));
    assertThat(run.out()).containsPattern("3 scenarios: 1 passed, 2 failed, in \\d+\\.\\d\\d s");
  }

  @Test
  void tour_table_isAlignedBox() {
    Run run =
        Run.mp4j(List.of(new StubScenario("good", PASS), new StubScenario("bad", FAIL)), "tour");

    List<String> table = tableLines(run.out());
    assertThat(table).hasSize(7); // rule, header, rule, row, rule, row, rule
    assertThat(table).allMatch(line -> line.length() == table.getFirst().length());
    assertThat(table.getFirst()).matches("\\+(-+\\+)+");
  }

  @Test
  void table_fitsTheGivenWidth() {
    List<TourCommand.Result> results =
        List.of(
            new TourCommand.Result(
                new StubScenario("daemon-no-children", PASS),
                Outcome.of(true, "a long observation ".repeat(10).strip()),
                Duration.ofMillis(1234)));

    for (int width : new int[] {100, 120, 160}) {
      assertThat(TourCommand.table(results, width).lines())
          .as("width %d", width)
          .allMatch(line -> line.length() <= width && line.length() > width - 2);
    }
  }

  @Test
  void table_tooNarrowWidth_keepsTextColumnsReadable() {
    List<TourCommand.Result> results =
        List.of(
            new TourCommand.Result(
                new StubScenario("race", PASS), Outcome.of(true, "n = 99"), Duration.ZERO));

    String rule = TourCommand.table(results, 40).lines().findFirst().orElseThrow();

    assertThat(rule).matches("\\+-{10}\\+-{26}\\+-{26}\\+-{9}\\+-{8}\\+");
  }

  @Test
  void tour_scenarioThrows_tourGoesOnToTheNext() {
    Run run =
        Run.mp4j(
            List.of(new StubScenario("broken", THROW), new StubScenario("after", PASS)), "tour");

    assertThat(run.out()).contains("boom in broken", "after output line");
    assertThat(run.out()).containsPattern("2 scenarios: 1 passed, 1 failed");
  }

  /** The table: from its first rule line to the last line that starts with + or |. */
  private static List<String> tableLines(String out) {
    List<String> lines = out.lines().toList();
    int first =
        lines.indexOf(lines.stream().filter(l -> l.startsWith("+-")).findFirst().orElseThrow());
    int last = first;
    while (last + 1 < lines.size()
        && (lines.get(last + 1).startsWith("+") || lines.get(last + 1).startsWith("|"))) {
      last++;
    }
    return lines.subList(first, last + 1);
  }
}
