package org.multiprocessing4j.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessEvent;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.SharedLong;

/**
 * Whole-process benchmark of the synchronisation objects: {@link ProcessLock}, {@link SharedLong}
 * and {@link ProcessEvent} against Python's {@code multiprocessing.Lock}, {@code Value} and {@code
 * Event} on the same machine, in the same run, with the JDK's {@link ReentrantLock} as the
 * in-process reference.
 *
 * <ul>
 *   <li><b>uncontended</b>: one thread takes and releases a free lock {@code --pairs} times; pairs
 *       per second.
 *   <li><b>contended</b>: two processes each take and release one lock {@code --pairs / 10} times,
 *       at the same time; pairs per second in all.
 *   <li><b>counter</b>: two processes each add one to a shared counter under its lock {@code
 *       --pairs / 10} times (Python: {@code with v.get_lock(): v.value += 1}; here {@code
 *       withLock(x -> x + 1)}); increments per second. Also without a lock ({@code
 *       incrementAndGet}), which Python has no equivalent of.
 *   <li><b>event latency</b>: a ping-pong of two events between two processes, {@code --pings}
 *       round trips; the median of half a round trip, from {@code set()} in one process to the
 *       return of {@code await()} in the other.
 * </ul>
 *
 * Each figure is the median of {@code --rounds} rounds after a warm-up round. Prints a Markdown
 * table with ratios to Python.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.SyncBench [--pairs 10000000] [--pings 20000] [--rounds 3]
 *     [--python python3]
 * </pre>
 */
@SuppressWarnings("LockNotBeforeTry") // the bare lock-unlock pair is what is measured
public final class SyncBench {

  private SyncBench() {}

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --pairs N --pings N --rounds N --python EXE}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int pairs = Integer.parseInt(opts.getOrDefault("pairs", "10000000"));
    int pings = Integer.parseInt(opts.getOrDefault("pings", "20000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");
    int perProcess = pairs / 10;

    double[] uncontended = new double[rounds];
    double[] jdk = new double[rounds];
    double[] contended;
    double[] counter;
    double[] atomic;
    double[] latency;
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      ProcessLock lock = ctx.lock();
      uncontendedRate(lock, Math.min(pairs, 1_000_000)); // warm-up
      jdkRate(new ReentrantLock(), Math.min(pairs, 1_000_000));
      for (int r = 0; r < rounds; r++) {
        uncontended[r] = uncontendedRate(lock, pairs);
        jdk[r] = jdkRate(new ReentrantLock(), pairs);
      }
      contended = twoProcesses(ctx, Kind.LOCK, perProcess, rounds);
      counter = twoProcesses(ctx, Kind.WITH_LOCK, perProcess, rounds);
      atomic = twoProcesses(ctx, Kind.ATOMIC, perProcess, rounds);
      latency = pingPong(ctx, pings, rounds);
    }
    double[] py = python(python, pairs / 10, Math.min(perProcess, 200_000), pings, rounds);

    System.out.printf(
        Locale.ROOT,
        "%d uncontended pairs, %d per process when two contend, %d pings; median of %d"
            + " rounds%n%n",
        pairs,
        perProcess,
        pings,
        rounds);
    System.out.println("| workload | multiprocessing4j | Python | ratio |");
    System.out.println("|---|---:|---:|---:|");
    Report.rateRow(
        "uncontended lock + unlock, pairs/s (Python: Lock)", Report.median(uncontended), py[0]);
    Report.rateRow("2 processes contending for one lock, pairs/s", Report.median(contended), py[1]);
    Report.rateRow(
        "2 processes, counter += 1 under its lock, increments/s (Python: Value.get_lock())",
        Report.median(counter),
        py[2]);
    System.out.printf(
        Locale.ROOT,
        "| 2 processes, SharedLong.incrementAndGet (no lock), increments/s | %,.0f | n/a | n/a |%n",
        Report.median(atomic));
    System.out.printf(
        Locale.ROOT,
        "| event set → await returns in another process, p50 µs (lower is better) | %.1f | %.1f"
            + " | %.1f× faster |%n",
        Report.median(latency),
        py[3],
        py[3] > 0 ? py[3] / Report.median(latency) : 0);
    System.out.printf(
        Locale.ROOT,
        "%nJDK ReentrantLock, uncontended, one thread (in-process reference): %,.0f pairs/s%n",
        Report.median(jdk));
  }

  // ------------------------------------------------------------------------------------ ours

  private static double uncontendedRate(ProcessLock lock, int n) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      lock.lock();
      lock.unlock();
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private static double jdkRate(ReentrantLock lock, int n) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      lock.lock();
      lock.unlock();
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** What the two processes do. */
  enum Kind {
    LOCK,
    WITH_LOCK,
    ATOMIC
  }

  /**
   * One of the two processes: runs a warm-up round (a fresh JVM interprets before it compiles),
   * then the measured ones, each between two barriers that the parent also waits at.
   */
  static void worker(
      Kind kind,
      int n,
      int rounds,
      ProcessLock lock,
      SharedLong counter,
      ProcessBarrier start,
      ProcessBarrier end)
      throws Exception {
    for (int r = 0; r <= rounds; r++) {
      start.await(BARRIER_TIMEOUT);
      switch (kind) {
        case LOCK -> {
          for (int i = 0; i < n; i++) {
            lock.lock();
            lock.unlock();
          }
        }
        case WITH_LOCK -> {
          for (int i = 0; i < n; i++) {
            counter.withLock(x -> x + 1);
          }
        }
        case ATOMIC -> {
          for (int i = 0; i < n; i++) {
            counter.incrementAndGet();
          }
        }
      }
      end.await(BARRIER_TIMEOUT);
    }
  }

  static final Duration BARRIER_TIMEOUT = Duration.ofMinutes(5);

  /**
   * Runs two worker processes; returns the rate of each measured round, timed from their common
   * start to the end of the slower one.
   */
  private static double[] twoProcesses(MultiprocessingContext ctx, Kind kind, int n, int rounds)
      throws Exception {
    ProcessLock lock = ctx.lock();
    SharedLong counter = ctx.sharedLong(0);
    ProcessBarrier start = ctx.barrier(3);
    ProcessBarrier end = ctx.barrier(3);
    JvmProcess a = new JvmProcess(() -> worker(kind, n, rounds, lock, counter, start, end));
    JvmProcess b = new JvmProcess(() -> worker(kind, n, rounds, lock, counter, start, end));
    a.start();
    b.start();
    double[] rates = new double[rounds];
    for (int r = 0; r <= rounds; r++) {
      start.await(BARRIER_TIMEOUT);
      long t = System.nanoTime();
      end.await(BARRIER_TIMEOUT);
      if (r > 0) {
        rates[r - 1] = 2.0 * n / ((System.nanoTime() - t) / 1e9);
      }
    }
    a.join();
    b.join();
    if (kind != Kind.LOCK && counter.get() != 2L * n * (rounds + 1)) {
      throw new IllegalStateException(
          "lost increments: " + counter.get() + " of " + 2L * n * (rounds + 1));
    }
    return rates;
  }

  /** The child of the ping-pong: answers every ping with a pong. */
  static void ponger(ProcessEvent ping, ProcessEvent pong, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      ping.await();
      ping.clear();
      pong.set();
    }
  }

  /**
   * Plays ping-pong with one child: a warm-up round, then {@code rounds} measured ones; returns the
   * median of half a round trip of each measured round, in microseconds.
   */
  private static double[] pingPong(MultiprocessingContext ctx, int n, int rounds) throws Exception {
    ProcessEvent ping = ctx.event();
    ProcessEvent pong = ctx.event();
    JvmProcess child = new JvmProcess(() -> ponger(ping, pong, n * (rounds + 1))).start();
    double[] medians = new double[rounds];
    long[] halfTrips = new long[n];
    for (int r = 0; r <= rounds; r++) {
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        ping.set();
        pong.await();
        pong.clear();
        halfTrips[i] = (System.nanoTime() - t) / 2;
      }
      if (r > 0) {
        Arrays.sort(halfTrips);
        medians[r - 1] = halfTrips[n / 2] / 1e3;
      }
    }
    child.join();
    return medians;
  }

  // ------------------------------------------------------------------------------------ Python

  private static final String PYTHON =
      """
      import sys, time
      import multiprocessing as mp

      def median(xs):
          xs = sorted(xs)
          return xs[len(xs) // 2]

      def lock_worker(lock, n, start, done):
          start.wait()
          for _ in range(n):
              lock.acquire()
              lock.release()
          done.release()

      def counter_worker(v, n, start, done):
          start.wait()
          for _ in range(n):
              with v.get_lock():
                  v.value += 1
          done.release()

      def two(target, make, n):
          shared = make()
          start = mp.Barrier(3)
          done = mp.Semaphore(0)
          ps = [mp.Process(target=target, args=(shared, n, start, done)) for _ in range(2)]
          for p in ps:
              p.start()
          start.wait()
          t = time.perf_counter()
          done.acquire()
          done.acquire()
          rate = 2 * n / (time.perf_counter() - t)
          for p in ps:
              p.join()
          return rate

      def ponger(ping, pong, n):
          for _ in range(n):
              ping.wait()
              ping.clear()
              pong.set()

      def ping_pong(n):
          ping, pong = mp.Event(), mp.Event()
          p = mp.Process(target=ponger, args=(ping, pong, n))
          p.start()
          half = []
          for _ in range(n):
              t = time.perf_counter_ns()
              ping.set()
              pong.wait()
              pong.clear()
              half.append((time.perf_counter_ns() - t) / 2)
          p.join()
          return median(half) / 1e3

      if __name__ == '__main__':
          pairs, per_process, pings, rounds = map(int, sys.argv[1:5])
          unc, con, cnt, lat = [], [], [], []
          lock = mp.Lock()
          for _ in range(rounds):
              t = time.perf_counter()
              for _ in range(pairs):
                  lock.acquire()
                  lock.release()
              unc.append(pairs / (time.perf_counter() - t))
              con.append(two(lock_worker, mp.Lock, per_process))
              cnt.append(two(counter_worker, lambda: mp.Value('q', 0), per_process))
              lat.append(ping_pong(pings))
          print(median(unc), median(con), median(cnt), median(lat))
      """;

  /** Runs the Python peer; returns its 4 figures, or zeros if Python is missing. */
  private static double[] python(String exe, int pairs, int perProcess, int pings, int rounds)
      throws IOException, InterruptedException {
    return PythonScript.figures(exe, PYTHON, 4, pairs, perProcess, pings, rounds);
  }
}
