package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.examples.Outcome;
import org.multiprocessing4j.examples.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code mp4j demo <id>}: runs one scenario, or lists them. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "Runs one scenario of the tutorial: what it must show, its program's output, then what was"
          + " observed and PASS or FAIL.",
      "Exit code 0 if it passed, 1 if it failed, 2 if there is no scenario with that id."
    })
final class DemoCommand implements Callable<Integer> {

  @ParentCommand
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private Mp4j root;

  @Option(
      names = {"-l", "--list"},
      description = "Lists the scenarios' ids and titles, and exits.")
  private boolean list;

  @Mixin private BrokerOption broker = new BrokerOption();

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "<id>",
      description = "The id of the scenario to run, as listed below.")
  private @Nullable String id;

  @Override
  public Integer call() {
    List<Scenario> scenarios = root.scenarios();
    if (list) {
      root.out().print(listing(scenarios));
      return CommandLine.ExitCode.OK;
    }
    if (id == null) {
      return usageError("missing the id of the scenario to run.", scenarios);
    }
    String wanted = id;
    Optional<Scenario> scenario = scenarios.stream().filter(s -> s.id().equals(wanted)).findFirst();
    if (scenario.isEmpty()) {
      return usageError("unknown scenario '" + wanted + "'.", scenarios);
    }
    if (broker.given() && !scenario.get().usesBroker()) {
      root.err()
          .println("mp4j demo: note: " + wanted + " does not use a broker; --broker is ignored.");
    }
    if (!broker.apply("demo", root.err())) {
      return Mp4j.USAGE;
    }
    Outcome outcome = scenario.get().runReported(root.out());
    return outcome.passed() ? CommandLine.ExitCode.OK : Mp4j.FAILED;
  }

  private int usageError(String problem, List<Scenario> scenarios) {
    PrintStream err = root.err();
    err.println("mp4j demo: " + problem + " Valid ids:");
    err.print(listing(scenarios));
    err.println("Run one with: mp4j demo <id>");
    return Mp4j.USAGE;
  }

  /** The width of the listing's lines, that of picocli's usage help. */
  static final int LINE_WIDTH = 80;

  /**
   * Lists the scenarios, one a line: id and title, a long title wrapped under itself so that no
   * line is longer than {@link #LINE_WIDTH}.
   *
   * @param scenarios the scenarios, in order
   * @return the listing, each line indented and ended by a line separator
   */
  static String listing(List<Scenario> scenarios) {
    int idWidth = scenarios.stream().mapToInt(s -> s.id().length()).max().orElse(0);
    int titleColumn = 2 + idWidth + 2;
    int titleWidth = Math.max(20, LINE_WIDTH - titleColumn);
    StringBuilder text = new StringBuilder();
    for (Scenario s : scenarios) {
      List<String> title = TextTable.wrap(s.title(), titleWidth);
      text.append("  ")
          .append(s.id())
          .append(" ".repeat(titleColumn - 2 - s.id().length()))
          .append(title.getFirst())
          .append(System.lineSeparator());
      for (String more : title.subList(1, title.size())) {
        text.append(" ".repeat(titleColumn)).append(more).append(System.lineSeparator());
      }
    }
    return text.toString();
  }

  /** Puts the list of scenarios at the end of {@code mp4j demo --help}. */
  static void describeScenarios(CommandLine demo, List<Scenario> scenarios) {
    // The footer is a format string: %n is a line break, a literal % must be doubled.
    String list = listing(scenarios).replace("%", "%%").replace(System.lineSeparator(), "%n");
    demo.getCommandSpec().usageMessage().footer("%nScenarios:%n" + list);
  }
}
