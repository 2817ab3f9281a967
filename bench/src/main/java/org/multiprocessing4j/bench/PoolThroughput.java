package org.multiprocessing4j.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.ResultIterator;

/**
 * Whole-process benchmark of pool throughput: {@link ProcessPoolExecutor} against Python's {@code
 * concurrent.futures.ProcessPoolExecutor} and {@code multiprocessing.Pool} on the same machine, in
 * the same run, with the JDK's in-process thread pool as the reference.
 *
 * <ul>
 *   <li><b>submit</b>: {@code --tasks} trivial tasks submitted, then every result gathered; tasks
 *       per second. Python: {@code ProcessPoolExecutor.submit} then {@code result()}. Once with a
 *       task that captures nothing ({@code () -> 1}, which the pool encodes once), once with a task
 *       that captures its index ({@code () -> i}; Python: {@code submit(ident, i)}).
 *   <li><b>map</b>: a trivial function over {@code --items} integers with automatic chunking,
 *       results taken as they come; items per second. Python's best: {@code Pool.imap_unordered(f,
 *       range(n), chunksize=1000)}.
 * </ul>
 *
 * Each figure is the median of {@code --rounds} rounds, measured on a pool whose workers are
 * already up and whose code is compiled: every workload runs over and over for {@code
 * --warmup-seconds} (10) first. The first map of the fresh pool, before that warm-up, is reported
 * too. Prints a Markdown table with ratios to Python.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.PoolThroughput [--tasks 100000] [--items 1000000] [--workers 2]
 *     [--rounds 3] [--warmup-seconds 10] [--python python3]
 * </pre>
 */
public final class PoolThroughput {

  private PoolThroughput() {}

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --tasks N --items N --workers N --rounds N --python EXE}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int tasks = Integer.parseInt(opts.getOrDefault("tasks", "100000"));
    int items = Integer.parseInt(opts.getOrDefault("items", "1000000"));
    int workers = Integer.parseInt(opts.getOrDefault("workers", "2"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");
    long warmupNanos =
        TimeUnit.SECONDS.toNanos(Long.parseLong(opts.getOrDefault("warmup-seconds", "10")));

    double[] submit = new double[rounds];
    double[] capturing = new double[rounds];
    double[] map = new double[rounds];
    double[] unordered = new double[rounds];
    double firstMap;
    try (PoolExecutor pool = new ProcessPoolExecutor(workers)) {
      submitRate(pool, Math.min(tasks, 1_000)); // workers up
      firstMap = mapRate(pool, items, true); // before the JIT compilers have seen a map
      // Warm-up: every workload, over and over, so that the parent's and the workers' code is
      // compiled (on 2 busy cores the compilers take seconds to catch up).
      long warmupEnd = System.nanoTime() + warmupNanos;
      do {
        submitRate(pool, Math.min(tasks, 10_000));
        capturingRate(pool, Math.min(tasks, 10_000));
        mapRate(pool, items, true);
        mapRate(pool, items, false);
      } while (System.nanoTime() - warmupEnd < 0);
      for (int r = 0; r < rounds; r++) {
        submit[r] = submitRate(pool, tasks);
        capturing[r] = capturingRate(pool, tasks);
        map[r] = mapRate(pool, items, true);
        unordered[r] = mapRate(pool, items, false);
      }
    }
    double[] threads = new double[rounds];
    ExecutorService jdk = Executors.newFixedThreadPool(workers);
    try {
      jdkRate(jdk, Math.min(tasks, 10_000));
      for (int r = 0; r < rounds; r++) {
        threads[r] = jdkRate(jdk, tasks);
      }
    } finally {
      jdk.shutdown();
    }
    double[] py = python(python, Math.min(tasks, 20_000), items, workers, rounds);

    System.out.printf(
        Locale.ROOT,
        "%d workers, %d tasks, %d items, median of %d rounds%n%n",
        workers,
        tasks,
        items,
        rounds);
    System.out.println("| workload | multiprocessing4j | Python | ratio |");
    System.out.println("|---|---:|---:|---:|");
    Report.rateRow(
        "submit + gather, tasks/s (Python: ProcessPoolExecutor)", Report.median(submit), py[0]);
    Report.rateRow(
        "submit + gather, task capturing its index, tasks/s (Python: submit(ident, i))",
        Report.median(capturing),
        py[3]);
    Report.rateRow(
        "map, in order, items/s (Python: Pool.imap, chunksize 1000)", Report.median(map), py[1]);
    Report.rateRow(
        "imapUnordered, items/s (Python: Pool.imap_unordered, chunksize 1000)",
        Report.median(unordered),
        py[2]);
    Report.rateRow(
        "map, in order, the first map of a fresh pool, before the warm-up, items/s (Python:"
            + " Pool.imap)",
        firstMap,
        py[1]);
    System.out.printf(
        Locale.ROOT,
        "%nJDK ThreadPoolExecutor (in-process reference): %,.0f tasks/s%n",
        Report.median(threads));
  }

  private static double submitRate(PoolExecutor pool, int n) throws Exception {
    long start = System.nanoTime();
    List<CompletableFuture<Integer>> fs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      fs.add(pool.submit(() -> 1));
    }
    long sum = 0;
    for (CompletableFuture<Integer> f : fs) {
      sum += f.get(10, TimeUnit.MINUTES);
    }
    if (sum != n) {
      throw new IllegalStateException("lost results: " + sum + " of " + n);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double capturingRate(PoolExecutor pool, int n) throws Exception {
    long start = System.nanoTime();
    List<CompletableFuture<Integer>> fs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int k = i;
      fs.add(pool.submit(() -> k));
    }
    long sum = 0;
    for (CompletableFuture<Integer> f : fs) {
      sum += f.get(10, TimeUnit.MINUTES);
    }
    if (sum != (long) n * (n - 1) / 2) {
      throw new IllegalStateException("lost or wrong results: sum " + sum);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double mapRate(PoolExecutor pool, int n, boolean ordered) {
    Iterable<Integer> input =
        () ->
            new Iterator<>() {
              int next;

              @Override
              public boolean hasNext() {
                return next < n;
              }

              @Override
              public Integer next() {
                return next++;
              }
            };
    long start = System.nanoTime();
    long count = 0;
    try (ResultIterator<Integer> it =
        ordered ? pool.imap(x -> x + 1, input) : pool.imapUnordered(x -> x + 1, input)) {
      while (it.hasNext()) {
        it.next();
        count++;
      }
    }
    if (count != n) {
      throw new IllegalStateException("lost results: " + count + " of " + n);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double jdkRate(ExecutorService pool, int n) throws Exception {
    long start = System.nanoTime();
    List<Future<Integer>> fs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      fs.add(pool.submit(() -> 1));
    }
    for (Future<Integer> f : fs) {
      f.get();
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static final String PYTHON =
      """
      import sys, time
      from concurrent.futures import ProcessPoolExecutor
      from multiprocessing import Pool

      def one():
          return 1

      def inc(x):
          return x + 1

      def ident(x):
          return x

      def median(xs):
          xs = sorted(xs)
          return xs[len(xs) // 2]

      if __name__ == '__main__':
          tasks, items, workers, rounds = map(int, sys.argv[1:5])
          sub, imap, unord, cap = [], [], [], []
          with ProcessPoolExecutor(workers) as ex:
              [f.result() for f in [ex.submit(one) for _ in range(1000)]]
              for _ in range(rounds):
                  t = time.perf_counter()
                  fs = [ex.submit(one) for _ in range(tasks)]
                  assert sum(f.result() for f in fs) == tasks
                  sub.append(tasks / (time.perf_counter() - t))
                  t = time.perf_counter()
                  fs = [ex.submit(ident, i) for i in range(tasks)]
                  assert sum(f.result() for f in fs) == tasks * (tasks - 1) // 2
                  cap.append(tasks / (time.perf_counter() - t))
          with Pool(workers) as pool:
              for _ in range(rounds):
                  t = time.perf_counter()
                  assert sum(1 for _ in pool.imap(inc, range(items), chunksize=1000)) == items
                  imap.append(items / (time.perf_counter() - t))
                  t = time.perf_counter()
                  n = sum(1 for _ in pool.imap_unordered(inc, range(items), chunksize=1000))
                  assert n == items
                  unord.append(items / (time.perf_counter() - t))
          print(median(sub), median(imap), median(unord), median(cap))
      """;

  /** Runs the Python peer; returns its 4 figures, or zeros if Python is missing. */
  private static double[] python(String exe, int tasks, int items, int workers, int rounds)
      throws IOException, InterruptedException {
    return PythonScript.figures(exe, PYTHON, 4, tasks, items, workers, rounds);
  }
}
