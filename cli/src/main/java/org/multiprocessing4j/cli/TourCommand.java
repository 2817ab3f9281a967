package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.multiprocessing4j.examples.Outcome;
import org.multiprocessing4j.examples.Scenario;
import org.multiprocessing4j.examples.Stopwatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code mp4j tour}: runs every scenario in order, then prints a table of the outcomes. */
@Command(
    name = "tour",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "Runs every scenario that exists, in the tutorial's order, each with its output; then prints"
          + " a table of what each must show, what it showed, and PASS or FAIL, with the total"
          + " time.",
      "Exit code 0 if every scenario passed, 1 otherwise."
    })
final class TourCommand implements Callable<Integer> {

  @ParentCommand
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private Mp4j root;

  /** One row of the table. */
  record Result(Scenario scenario, Outcome outcome, Duration elapsed) {}

  @Override
  public Integer call() {
    PrintStream out = root.out();
    List<Scenario> scenarios = root.scenarios();
    out.printf("mp4j tour: %d scenarios, one after the other.%n%n", scenarios.size());
    List<Result> results = new ArrayList<>();
    Stopwatch total = Stopwatch.start();
    for (Scenario scenario : scenarios) {
      Stopwatch stopwatch = Stopwatch.start();
      Outcome outcome = scenario.runReported(out);
      results.add(new Result(scenario, outcome, stopwatch.elapsed()));
      out.println();
      if (Thread.currentThread().isInterrupted()) {
        break; // an interrupted scenario re-asserts the interrupt: stop the tour
      }
    }
    Duration elapsed = total.elapsed();
    out.print(table(results));
    long failed = results.stream().filter(r -> !r.outcome().passed()).count();
    out.printf(
        "%d scenarios: %d passed, %d failed, in %s%n",
        results.size(), results.size() - failed, failed, Stopwatch.seconds(elapsed));
    out.flush();
    return failed == 0 ? CommandLine.ExitCode.OK : Mp4j.FAILED;
  }

  /**
   * Renders the table of results: scenario, expected, observed, time, result.
   *
   * @param results the results, in the order the scenarios ran
   * @return the table, each line ended by a line separator
   */
  static String table(List<Result> results) {
    int idWidth =
        Math.max(
            "scenario".length(),
            results.stream().mapToInt(r -> r.scenario().id().length()).max().orElse(0));
    TextTable table =
        new TextTable(
            List.of("scenario", "expected", "observed", "time", "result"),
            List.of(idWidth, 30, 30, 7, 6));
    for (Result r : results) {
      table.addRow(
          List.of(
              r.scenario().id(),
              r.scenario().expected(),
              r.outcome().observed(),
              Stopwatch.seconds(r.elapsed()),
              r.outcome().passed() ? "PASS" : "FAIL"));
    }
    return table.render();
  }
}
