package org.multiprocessing4j.bench;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.ProcessOptions;

/**
 * Whole-process benchmark of {@link Pipe} round-trip latency: the parent sends a small integer, a
 * child process sends it back; against Python's {@code multiprocessing.Pipe} in the same run.
 *
 * <p>Each round times {@code --trips} round trips one by one after {@code --warmup} unmeasured ones
 * (the child lives through every round, so its code is compiled), and reports p50 and p99 in
 * microseconds; the table shows the median of {@code --rounds} rounds.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.PipeLatency [--trips 100000] [--warmup 50000] [--rounds 3]
 *     [--python python3]
 * </pre>
 */
public final class PipeLatency {

  private PipeLatency() {}

  /** Sends back every value until it gets -1. Runs in the child. */
  static void echo(Connection c) throws Exception {
    while (true) {
      Object o = c.recv();
      c.send(o);
      if (o instanceof Integer i && i == -1) {
        return;
      }
    }
  }

  /** Times {@code n} round trips; returns {p50, p99} in microseconds. */
  static double[] trips(Connection c, int n) throws Exception {
    long[] nanos = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      c.send(i);
      c.recv();
      nanos[i] = System.nanoTime() - t;
    }
    Arrays.sort(nanos);
    return new double[] {nanos[n / 2] / 1e3, nanos[(int) (n * 0.99)] / 1e3};
  }

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --trips N --warmup N --rounds N --python EXE}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int n = Integer.parseInt(opts.getOrDefault("trips", "100000"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "50000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");

    double[] p50 = new double[rounds];
    double[] p99 = new double[rounds];
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      Pipe pipe = ctx.pipe();
      Connection child = pipe.second();
      JvmProcess p = new JvmProcess(() -> echo(child)).start();
      Connection c = pipe.first();
      trips(c, warmup);
      for (int r = 0; r < rounds; r++) {
        double[] q = trips(c, n);
        p50[r] = q[0];
        p99[r] = q[1];
      }
      c.send(-1);
      c.recv();
      p.join();
    }
    double[] py = python(python, Math.min(n, 20_000), rounds);
    System.out.printf(
        Locale.ROOT,
        "%d round trips per round, median of %d rounds, %d cores%n%n",
        n,
        rounds,
        Runtime.getRuntime().availableProcessors());
    System.out.println("| round trip | multiprocessing4j | Python Pipe | Python ÷ ours |");
    System.out.println("|---|---:|---:|---:|");
    Report.latencyRow("p50, µs", Report.median(p50), py[0]);
    Report.latencyRow("p99, µs", Report.median(p99), py[1]);
  }

  private static final String PYTHON =
      """
      import sys, time
      from multiprocessing import Process, Pipe

      def echo(c):
          while True:
              o = c.recv()
              c.send(o)
              if o == -1:
                  return

      def trips(c, n):
          ns = []
          for i in range(n):
              t = time.perf_counter_ns()
              c.send(i)
              c.recv()
              ns.append(time.perf_counter_ns() - t)
          ns.sort()
          return ns[n // 2] / 1e3, ns[int(n * 0.99)] / 1e3

      def median(xs):
          xs = sorted(xs)
          return xs[len(xs) // 2]

      if __name__ == '__main__':
          n, rounds = map(int, sys.argv[1:3])
          a, b = Pipe()
          p = Process(target=echo, args=(b,))
          p.start()
          trips(a, n // 2)
          r = [trips(a, n) for _ in range(rounds)]
          a.send(-1)
          a.recv()
          p.join()
          print(median([x[0] for x in r]), median([x[1] for x in r]))
      """;

  /** Runs the Python peer; returns its 2 figures, or zeros if Python is missing. */
  private static double[] python(String exe, int n, int rounds)
      throws IOException, InterruptedException {
    return PythonScript.figures(exe, PYTHON, 2, n, rounds);
  }
}
