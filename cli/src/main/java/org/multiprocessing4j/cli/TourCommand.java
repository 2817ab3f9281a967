package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.examples.Outcome;
import org.multiprocessing4j.examples.Scenario;
import org.multiprocessing4j.examples.Stopwatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin private BrokerOption broker = new BrokerOption();

  /** One row of the table. */
  record Result(Scenario scenario, Outcome outcome, Duration elapsed) {}

  @Override
  public Integer call() {
    PrintStream out = root.out();
    if (!broker.apply("tour", root.err())) {
      return Mp4j.USAGE;
    }
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
    out.print(table(results, terminalWidth()));
    long failed = results.stream().filter(r -> !r.outcome().passed()).count();
    out.printf(
        "%d scenarios: %d passed, %d failed, in %s%n",
        results.size(), results.size() - failed, failed, Stopwatch.seconds(elapsed));
    out.flush();
    return failed == 0 ? CommandLine.ExitCode.OK : Mp4j.FAILED;
  }

  /** The table's width when the terminal's is unknown. */
  static final int DEFAULT_WIDTH = 120;

  /** The narrowest the expected and observed columns get, however narrow the terminal. */
  private static final int MIN_TEXT_WIDTH = 24;

  /**
   * Renders the table of results: scenario, expected, observed, time, result.
   *
   * <p>The expected and observed columns share what the other columns leave of {@code width}, and
   * wrap; the table is wider than {@code width} only if those columns would be narrower than
   * {@value #MIN_TEXT_WIDTH}.
   *
   * @param results the results, in the order the scenarios ran
   * @param width the width to fit the table in, in characters
   * @return the table, each line ended by a line separator
   */
  static String table(List<Result> results, int width) {
    int idWidth =
        Math.max(
            "scenario".length(),
            results.stream().mapToInt(r -> r.scenario().id().length()).max().orElse(0));
    int timeWidth = 7; // "12.34 s"
    int resultWidth = "result".length();
    int borders = 3 * 5 + 1; // "| " before each cell, " |" after the last, " " after the rest
    int textWidth =
        Math.max(MIN_TEXT_WIDTH, (width - borders - idWidth - timeWidth - resultWidth) / 2);
    TextTable table =
        new TextTable(
            List.of("scenario", "expected", "observed", "time", "result"),
            List.of(idWidth, textWidth, textWidth, timeWidth, resultWidth));
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

  /**
   * Returns the width of the terminal, as the {@code mp4j} launcher passes it in the system
   * property {@code mp4j.columns}, or as the {@code COLUMNS} environment variable says; {@link
   * #DEFAULT_WIDTH} if neither is a number from 40 to 1000.
   */
  static int terminalWidth() {
    return columns(System.getProperty("mp4j.columns"))
        .or(() -> columns(System.getenv("COLUMNS")))
        .orElse(DEFAULT_WIDTH);
  }

  private static Optional<Integer> columns(@Nullable String value) {
    if (value == null || !value.strip().matches("\\d{2,4}")) {
      return Optional.empty();
    }
    int columns = Integer.parseInt(value.strip());
    return columns >= 40 && columns <= 1000 ? Optional.of(columns) : Optional.empty();
  }
}
