package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.bench.PipeLatency;
import org.multiprocessing4j.bench.PoolMemory;
import org.multiprocessing4j.bench.PoolSpeedup;
import org.multiprocessing4j.bench.PoolThroughput;
import org.multiprocessing4j.bench.QueueDepth;
import org.multiprocessing4j.bench.QueueThroughput;
import org.multiprocessing4j.bench.RabbitPoolBench;
import org.multiprocessing4j.bench.RabbitThroughput;
import org.multiprocessing4j.bench.StartLatency;
import org.multiprocessing4j.bench.SyncBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mp4j bench <name> [options of the benchmark]}: runs one whole-process benchmark of the
 * {@code bench} module, with its Python peer in the same run, in this JVM.
 *
 * <p>Everything after the name goes to the benchmark unchanged (this command's parser stops at the
 * first positional parameter); the benchmarks print their tables to standard output.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "Runs one benchmark against its peers (Python's multiprocessing, the JDK) in the same run"
          + " and prints medians and ratios; docs/benchmarks.md records results.",
      "Options after the name go to the benchmark, for example: mp4j bench queue --rounds 1",
      "Exit code 0 when it ran, 1 if it failed, 2 for an unknown name or bad options."
    })
final class BenchCommand implements Callable<Integer> {

  /** A benchmark's entry point. */
  @FunctionalInterface
  interface Main {
    void run(String[] args) throws Exception;
  }

  /**
   * One benchmark.
   *
   * @param name its name on the command line
   * @param title what it measures
   * @param main its entry point
   */
  record Benchmark(String name, String title, Main main) {}

  /** The benchmarks, in the order of docs/benchmarks.md. */
  static final List<Benchmark> ALL =
      List.of(
          new Benchmark(
              "start",
              "child JVM start latency: cold, AOT cache, warm spares; Python fork/spawn",
              StartLatency::main),
          new Benchmark(
              "sync",
              "locks, shared counters and events across processes; Python's",
              SyncBench::main),
          new Benchmark(
              "queue",
              "queue throughput between processes; Python's Queue and SimpleQueue",
              QueueThroughput::main),
          new Benchmark(
              "queue-depth",
              "how full a bounded and an unbounded queue run, and context switches per item",
              QueueDepth::main),
          new Benchmark(
              "pipe", "pipe round-trip latency, p50 and p99; Python's Pipe", PipeLatency::main),
          new Benchmark(
              "pool",
              "process pool throughput: submit, map, imapUnordered; Python's pools",
              PoolThroughput::main),
          new Benchmark(
              "pool-speedup",
              "CPU-bound speed-up with 1 and 2 workers, task round trip; Python's and the JDK's"
                  + " pools",
              PoolSpeedup::main),
          new Benchmark(
              "pool-memory",
              "memory of imap over 10 million items; Python's Pool.imap",
              PoolMemory::main),
          new Benchmark(
              "rabbit",
              "RabbitMQ queue put and get against the raw client (--uri amqp://...)",
              RabbitThroughput::main),
          new Benchmark(
              "rabbit-pool",
              "distributed pool round trip and tasks/s against raw RPC (--uri amqp://...)",
              RabbitPoolBench::main));

  @ParentCommand
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private Mp4j root;

  @Option(
      names = {"-l", "--list"},
      description = "Lists the benchmarks' names and what each measures, and exits.")
  private boolean list;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "<name>",
      description = "The benchmark to run, as listed below.")
  private @Nullable String name;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "<option>",
      description = "Options given to the benchmark.")
  private List<String> options = new ArrayList<>();

  @Override
  public Integer call() {
    if (list) {
      root.out().print(listing());
      return CommandLine.ExitCode.OK;
    }
    if (name == null) {
      return usageError("missing the name of the benchmark to run.");
    }
    String wanted = name;
    Optional<Benchmark> benchmark = ALL.stream().filter(b -> b.name().equals(wanted)).findFirst();
    if (benchmark.isEmpty()) {
      return usageError("unknown benchmark '" + wanted + "'.");
    }
    try {
      benchmark.get().main().run(options.toArray(String[]::new));
      return CommandLine.ExitCode.OK;
    } catch (IllegalArgumentException e) {
      root.err().println("mp4j bench " + wanted + ": " + e.getMessage());
      return Mp4j.USAGE;
    } catch (Exception e) {
      root.err().println("mp4j bench " + wanted + ": failed: " + e);
      e.printStackTrace(root.err());
      return Mp4j.FAILED;
    }
  }

  private int usageError(String problem) {
    PrintStream err = root.err();
    err.println("mp4j bench: " + problem + " Benchmarks:");
    err.print(listing());
    err.println("Run one with: mp4j bench <name> [its options]");
    return Mp4j.USAGE;
  }

  /**
   * Lists the benchmarks, one a line: name and title.
   *
   * @return the listing, each line indented and ended by a line separator
   */
  static String listing() {
    int width = ALL.stream().mapToInt(b -> b.name().length()).max().orElse(0);
    StringBuilder text = new StringBuilder();
    for (Benchmark b : ALL) {
      text.append("  ")
          .append(b.name())
          .append(" ".repeat(width - b.name().length() + 2))
          .append(b.title())
          .append(System.lineSeparator());
    }
    return text.toString();
  }

  /** Makes the benchmark's options reach it untouched, and lists the benchmarks in the help. */
  static void configure(CommandLine bench) {
    bench.setStopAtPositional(true);
    String list = listing().replace("%", "%%").replace(System.lineSeparator(), "%n");
    bench.getCommandSpec().usageMessage().footer("%nBenchmarks:%n" + list);
  }
}
