package org.multiprocessing4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ProcessPoolExecutor;

/**
 * Whole-process benchmark of a process pool's CPU-bound speed-up and its per-task round trip, with
 * Python's {@code concurrent.futures.ProcessPoolExecutor} and the JDK's {@code ThreadPoolExecutor}
 * in the same run.
 *
 * <ul>
 *   <li><b>speed-up</b>: {@code --tasks} tasks, each counting the primes in its own range of {@code
 *       --range} numbers by trial division, run on 1 worker and then on 2; the figure is the
 *       1-worker time divided by the 2-worker time (the goal of issue 5 is at least 1.8). Python
 *       counts in ranges {@code --py-range} long (it is much slower per number), so that its runs
 *       take seconds too; its ratio is its own 1-versus-2 speed-up.
 *   <li><b>round trip</b>: one trivial task submitted and its result awaited, {@code --trips} times
 *       after {@code --warmup} unmeasured ones, on a pool of 1 worker; p50 and p99 in microseconds.
 * </ul>
 *
 * Each figure is the median of {@code --rounds} rounds on pools whose workers are up (one warm-up
 * round first).
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.PoolSpeedup [--tasks 40] [--range 200000] [--py-range 20000]
 *     [--trips 2000] [--warmup 1000] [--rounds 3] [--python python3]
 * </pre>
 */
public final class PoolSpeedup {

  private PoolSpeedup() {}

  /**
   * Counts the primes in {@code [from, to)} by trial division: deliberately CPU-bound work, also
   * used by {@code mp4j primes}.
   *
   * @param from the first number to test
   * @param to the end of the range, exclusive
   * @return how many primes the range holds
   */
  public static long countPrimes(long from, long to) {
    long n = 0;
    for (long x = Math.max(2, from); x < to; x++) {
      boolean prime = true;
      for (long d = 2; d * d <= x; d++) {
        if (x % d == 0) {
          prime = false;
          break;
        }
      }
      if (prime) {
        n++;
      }
    }
    return n;
  }

  /**
   * Runs the benchmark and prints Markdown tables.
   *
   * @param args {@code --tasks N --range N --py-range N --trips N --warmup N --rounds N --python
   *     EXE}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int tasks = Integer.parseInt(opts.getOrDefault("tasks", "40"));
    long range = Long.parseLong(opts.getOrDefault("range", "200000"));
    long pyRange = Long.parseLong(opts.getOrDefault("py-range", "20000"));
    int trips = Integer.parseInt(opts.getOrDefault("trips", "2000"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");

    // The four pools take turns in every round, so that a change in the machine's load touches
    // them alike.
    double[] one = new double[rounds];
    double[] two = new double[rounds];
    double[] jdk1 = new double[rounds];
    double[] jdk2 = new double[rounds];
    ExecutorService t1 = Executors.newFixedThreadPool(1);
    ExecutorService t2 = Executors.newFixedThreadPool(2);
    try (PoolExecutor p1 = new ProcessPoolExecutor(1);
        PoolExecutor p2 = new ProcessPoolExecutor(2)) {
      long expected = cpuSeconds(p1, tasks, range)[1]; // warm-up, and the answer
      cpuSeconds(p2, tasks, range);
      jdkSeconds(t1, tasks, range);
      for (int r = 0; r < rounds; r++) {
        one[r] = checked(cpuSeconds(p1, tasks, range), expected);
        two[r] = checked(cpuSeconds(p2, tasks, range), expected);
        jdk1[r] = jdkSeconds(t1, tasks, range);
        jdk2[r] = jdkSeconds(t2, tasks, range);
      }
    } finally {
      t1.shutdown();
      t2.shutdown();
    }

    double[][] lat = new double[rounds][];
    try (PoolExecutor p = new ProcessPoolExecutor(1)) {
      roundTrips(p, warmup);
      for (int r = 0; r < rounds; r++) {
        lat[r] = roundTrips(p, trips);
      }
    }
    double[][] jdkLat = new double[rounds][];
    ExecutorService t = Executors.newFixedThreadPool(1);
    try {
      jdkRoundTrips(t, warmup);
      for (int r = 0; r < rounds; r++) {
        jdkLat[r] = jdkRoundTrips(t, trips);
      }
    } finally {
      t.shutdown();
    }
    double[] py = PythonScript.figures(python, PYTHON, 4, tasks, pyRange, trips, warmup, rounds);

    double s1 = Report.median(one);
    double s2 = Report.median(two);
    System.out.printf(
        Locale.ROOT,
        "CPU-bound: %d tasks of %,d numbers (Python: %,d), median of %d rounds%n%n",
        tasks,
        range,
        pyRange,
        rounds);
    System.out.println("| pool | 1 worker, s | 2 workers, s | speed-up |");
    System.out.println("|---|---:|---:|---:|");
    speedRow("multiprocessing4j ProcessPoolExecutor", s1, s2);
    speedRow("Python ProcessPoolExecutor", py[0], py[1]);
    speedRow("JDK ThreadPoolExecutor (threads)", Report.median(jdk1), Report.median(jdk2));

    System.out.printf(
        Locale.ROOT,
        "%nRound trip of one trivial task on 1 worker, µs, %d trips, median of %d rounds%n%n",
        trips,
        rounds);
    System.out.println("| figure | multiprocessing4j | Python | Python ÷ ours |");
    System.out.println("|---|---:|---:|---:|");
    Report.latencyRow("p50", Report.median(column(lat, 0)), py[2]);
    Report.latencyRow("p99", Report.median(column(lat, 1)), py[3]);
    System.out.printf(
        Locale.ROOT,
        "%nJDK ThreadPoolExecutor (in-process reference): p50 %.1f µs, p99 %.1f µs%n",
        Report.median(column(jdkLat, 0)),
        Report.median(column(jdkLat, 1)));
  }

  private static void speedRow(String what, double oneWorker, double twoWorkers) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s |%n",
        what,
        oneWorker > 0 ? String.format(Locale.ROOT, "%.2f", oneWorker) : "n/a",
        twoWorkers > 0 ? String.format(Locale.ROOT, "%.2f", twoWorkers) : "n/a",
        oneWorker > 0 && twoWorkers > 0
            ? String.format(Locale.ROOT, "%.2f×", oneWorker / twoWorkers)
            : "n/a");
  }

  private static double[] column(double[][] rows, int i) {
    return Arrays.stream(rows).mapToDouble(r -> r[i]).toArray();
  }

  private static double checked(long[] secondsAndCount, long expected) {
    if (secondsAndCount[1] != expected) {
      throw new IllegalStateException(
          "wrong prime count: " + secondsAndCount[1] + ", expected " + expected);
    }
    return secondsAndCount[0] / 1e9;
  }

  /** Runs the CPU-bound tasks; returns {nanos, prime count}. */
  private static long[] cpuSeconds(PoolExecutor pool, int tasks, long range) throws Exception {
    long start = System.nanoTime();
    List<Future<Long>> fs = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      long from = i * range;
      fs.add(pool.submit(() -> countPrimes(from, from + range)));
    }
    long count = 0;
    for (Future<Long> f : fs) {
      count += f.get(30, TimeUnit.MINUTES);
    }
    return new long[] {System.nanoTime() - start, count};
  }

  private static double jdkSeconds(ExecutorService pool, int tasks, long range) throws Exception {
    long start = System.nanoTime();
    List<Future<Long>> fs = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      long from = i * range;
      fs.add(pool.submit(() -> countPrimes(from, from + range)));
    }
    for (Future<Long> f : fs) {
      f.get();
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Times {@code n} submit-then-wait round trips; returns {p50, p99} in microseconds. */
  private static double[] roundTrips(PoolExecutor pool, int n) throws Exception {
    return roundTrips(() -> pool.submit(() -> 1), n);
  }

  private static double[] jdkRoundTrips(ExecutorService pool, int n) throws Exception {
    return roundTrips(() -> pool.submit(() -> 1), n);
  }

  private static double[] roundTrips(
      java.util.concurrent.Callable<? extends java.util.concurrent.Future<?>> submitOne, int n)
      throws Exception {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      submitOne.call().get();
      nanos[i] = System.nanoTime() - t;
    }
    return percentiles(nanos);
  }

  private static double[] percentiles(long[] nanos) {
    Arrays.sort(nanos);
    int n = nanos.length;
    return new double[] {nanos[n / 2] / 1e3, nanos[Math.min(n - 1, (int) (n * 0.99))] / 1e3};
  }

  private static final String PYTHON =
      """
      import sys, time
      from concurrent.futures import ProcessPoolExecutor

      def count_primes(lo, hi):
          n = 0
          for x in range(max(2, lo), hi):
              d = 2
              prime = True
              while d * d <= x:
                  if x % d == 0:
                      prime = False
                      break
                  d += 1
              if prime:
                  n += 1
          return n

      def one():
          return 1

      def median(xs):
          xs = sorted(xs)
          return xs[len(xs) // 2]

      def cpu(ex, tasks, rng):
          t = time.perf_counter()
          fs = [ex.submit(count_primes, i * rng, (i + 1) * rng) for i in range(tasks)]
          total = sum(f.result() for f in fs)
          return time.perf_counter() - t, total

      def trips(ex, n):
          ts = []
          for _ in range(n):
              t = time.perf_counter_ns()
              ex.submit(one).result()
              ts.append(time.perf_counter_ns() - t)
          ts.sort()
          return ts[n // 2] / 1e3, ts[min(n - 1, int(n * 0.99))] / 1e3

      if __name__ == '__main__':
          tasks, rng, n, warmup, rounds = map(int, sys.argv[1:6])
          one_w, two_w, p50, p99 = [], [], [], []
          with ProcessPoolExecutor(1) as e1, ProcessPoolExecutor(2) as e2:
              cpu(e1, 2, rng); cpu(e2, 4, rng)
              for _ in range(rounds):
                  a, c1 = cpu(e1, tasks, rng)
                  b, c2 = cpu(e2, tasks, rng)
                  assert c1 == c2
                  one_w.append(a); two_w.append(b)
          with ProcessPoolExecutor(1) as ex:
              trips(ex, warmup)
              for _ in range(rounds):
                  a, b = trips(ex, n)
                  p50.append(a); p99.append(b)
          print(median(one_w), median(two_w), median(p50), median(p99))
      """;
}
