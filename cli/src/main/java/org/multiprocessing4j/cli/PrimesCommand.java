package org.multiprocessing4j.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.MapOptions;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.ResultIterator;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.bench.PoolSpeedup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mp4j primes}: counts the primes below a limit in a process pool, drawing a progress bar:
 * the CPU-bound demo of the pool's speed-up and progress listener.
 */
@Command(
    name = "primes",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "Counts the primes below a limit by trial division in a pool of worker JVMs, one range of"
          + " numbers per task, drawing a progress bar on standard error. Prints the count and the"
          + " time; run it with --workers 1 and 2 to see the speed-up.",
    })
final class PrimesCommand implements Callable<Integer> {

  @ParentCommand
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private Mp4j root;

  @Option(
      names = "--limit",
      defaultValue = "3000000",
      description = "Counts the primes below this number (default: ${DEFAULT-VALUE}).")
  private long limit;

  @Option(names = "--workers", description = "Worker processes (default: the number of CPUs).")
  private int workers = Multiprocessing.cpuCount();

  @Option(
      names = "--ranges",
      defaultValue = "200",
      description =
          "Tasks: the numbers are split into this many ranges (default: ${DEFAULT-VALUE}).")
  private int ranges;

  @Option(names = "--no-progress", description = "Does not draw the progress bar.")
  private boolean noProgress;

  @Override
  public Integer call() throws Exception {
    if (limit < 2 || workers < 1 || ranges < 1) {
      root.err()
          .println(
              "mp4j primes: --limit must be 2 or more, --workers and --ranges 1 or more; got "
                  + limit
                  + ", "
                  + workers
                  + ", "
                  + ranges);
      return Mp4j.USAGE;
    }
    long step = Math.max(1, (limit + ranges - 1) / ranges);
    List<Long> starts = new ArrayList<>();
    for (long s = 0; s < limit; s += step) {
      starts.add(s);
    }
    long end = limit;
    TaskFunction<Long, Long> count = s -> countPrimes(s, Math.min(s + step, end));
    MapOptions options = MapOptions.defaults().chunksize(1);
    @Nullable ProgressBar bar = noProgress ? null : new ProgressBar(root.err(), 40);
    if (bar != null) {
      options = options.progress(bar);
    }
    long start = System.nanoTime();
    long total = 0;
    try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().workers(workers).build();
        ResultIterator<Long> it = pool.imapUnordered(count, starts, options)) {
      while (it.hasNext()) {
        total += it.next();
      }
    }
    if (bar != null) {
      var unused = bar.awaitFinished(Duration.ofSeconds(5));
    }
    root.out()
        .printf(
            Locale.ROOT,
            "%,d primes below %,d, counted by %d worker%s in %.2f s%n",
            total,
            limit,
            workers,
            workers == 1 ? "" : "s",
            (System.nanoTime() - start) / 1e9);
    return CommandLine.ExitCode.OK;
  }

  /** Counts the primes in {@code [from, to)} by trial division: deliberately CPU-bound. */
  static long countPrimes(long from, long to) {
    return PoolSpeedup.countPrimes(from, to);
  }
}
