package org.multiprocessing4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.multiprocessing4j.examples.Scenario;
import org.multiprocessing4j.examples.Scenarios;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code mp4j} command, and its {@code main}.
 *
 * <p>Subcommands: {@code demo} runs one scenario, {@code tour} runs every scenario and prints a
 * table of the outcomes, {@code bench} runs one benchmark against its peers, {@code worker} serves
 * a distributed process pool on RabbitMQ.
 *
 * <p>Exit codes: 0 when everything that ran passed, 1 when a scenario failed, 2 for a usage error
 * (an unknown option, subcommand or scenario id).
 */
@Command(
    name = "mp4j",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "multiprocessing4j: Python's multiprocessing on the JVM, with real child JVMs.",
      "Runs the scenarios of the concurrency tutorial the project comes from, each of which checks"
          + " what it shows."
    },
    subcommands = {
      DemoCommand.class,
      TourCommand.class,
      BenchCommand.class,
      PrimesCommand.class,
      WorkerCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:everything that ran passed",
      "1:a scenario failed",
      "2:usage error (unknown option, subcommand or scenario id)"
    })
public final class Mp4j implements Callable<Integer> {

  /** Exit code when a scenario failed. */
  static final int FAILED = 1;

  /** Exit code for a usage error, as picocli's. */
  static final int USAGE = CommandLine.ExitCode.USAGE;

  private final PrintStream out;
  private final PrintStream err;
  private final List<Scenario> scenarios;

  @Spec
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private CommandSpec spec;

  private Mp4j(PrintStream out, PrintStream err, List<Scenario> scenarios) {
    this.out = out;
    this.err = err;
    this.scenarios = List.copyOf(scenarios);
  }

  /**
   * Creates the command line for the given streams and scenarios.
   *
   * <p>Usage and error messages go to {@code out} and {@code err} in their charsets; scenarios
   * print to {@code out}.
   *
   * @param out standard output
   * @param err standard error
   * @param scenarios the scenarios {@code demo} and {@code tour} know, in tour order
   * @return a command line ready to {@link CommandLine#execute(String...) execute}
   */
  public static CommandLine commandLine(
      PrintStream out, PrintStream err, List<Scenario> scenarios) {
    CommandLine commandLine = new CommandLine(new Mp4j(out, err, scenarios));
    commandLine.setOut(new PrintWriter(out, true, out.charset()));
    commandLine.setErr(new PrintWriter(err, true, err.charset()));
    DemoCommand.describeScenarios(
        Objects.requireNonNull(commandLine.getSubcommands().get("demo")), scenarios);
    BenchCommand.configure(Objects.requireNonNull(commandLine.getSubcommands().get("bench")));
    return commandLine;
  }

  /**
   * Runs {@code mp4j} with the given arguments and exits with its exit code.
   *
   * @param args the command line arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine(System.out, System.err, Scenarios.all()).execute(args));
  }

  /** Without a subcommand: prints the usage to standard error, a usage error. */
  @Override
  public Integer call() {
    err.println("mp4j: missing a subcommand.");
    spec.commandLine().usage(spec.commandLine().getErr());
    return USAGE;
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  List<Scenario> scenarios() {
    return scenarios;
  }

  /** Reads the version that the build wrote into {@code version.properties}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties properties = new Properties();
      try (InputStream in = Mp4j.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return new String[] {
        "mp4j (multiprocessing4j) " + properties.getProperty("version", "unknown version"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"
      };
    }
  }
}
