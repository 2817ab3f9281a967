package org.multiprocessing4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.ResultIterator;

/**
 * Whole-process benchmark of memory during {@code imap} over a long lazy input: {@code --items}
 * integers (10,000,000 by default) generated on demand, mapped by 2 workers with automatic chunking
 * and taken in order. A sampler thread reads this JVM's resident set size ({@code VmRSS}) and its
 * live heap (the heap in use right after the latest garbage collection) every 50 ms; the table
 * compares the start, the sample once a tenth of the items are done (the JVM has grown its young
 * generation to the working size by then) and the largest sample. A flat line from the tenth to the
 * end means the pool holds a bounded number of items in flight, whatever the input's length.
 *
 * <p>Python's peer, {@code Pool.imap(f, generator, chunksize=1000)}, runs in the same run: its task
 * feeder reads the generator as fast as it can, with no bound, so its memory grows with the input;
 * its figures are its own {@code VmRSS}.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java -Xmx1g -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.PoolMemory [--items 10000000] [--workers 2] [--python python3]
 * </pre>
 */
public final class PoolMemory {

  private PoolMemory() {}

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --items N --workers N --python EXE}
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    long items = Long.parseLong(opts.getOrDefault("items", "10000000"));
    int workers = Integer.parseInt(opts.getOrDefault("workers", "2"));
    String python = opts.getOrDefault("python", "python3");

    AtomicLong maxRss = new AtomicLong();
    AtomicLong maxHeap = new AtomicLong();
    AtomicLong tenthRss = new AtomicLong();
    AtomicLong tenthHeap = new AtomicLong();
    long startRss;
    long startHeap;
    long seconds;
    try (PoolExecutor pool = new ProcessPoolExecutor(workers)) {
      // Warm-up: workers up and the code compiled before the start is sampled.
      drain(pool, 200_000);
      System.gc();
      startRss = rssBytes();
      startHeap = liveHeapBytes();
      maxRss.set(startRss);
      maxHeap.set(startHeap);
      DONE.set(0);
      Thread sampler =
          Thread.ofPlatform()
              .daemon()
              .name("sampler")
              .start(
                  () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                      long rss = rssBytes();
                      long heap = liveHeapBytes();
                      maxRss.accumulateAndGet(rss, Math::max);
                      maxHeap.accumulateAndGet(heap, Math::max);
                      if (tenthRss.get() == 0 && DONE.get() >= items / 10) {
                        tenthRss.set(rss);
                        tenthHeap.set(heap);
                      }
                      try {
                        Thread.sleep(50);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      long t = System.nanoTime();
      drain(pool, items);
      seconds = (System.nanoTime() - t) / 1_000_000_000L;
      sampler.interrupt();
      sampler.join();
    }
    double[] py = PythonScript.figures(python, PYTHON, 3, items, workers);

    System.out.printf(
        Locale.ROOT,
        "imap over %,d lazily generated items, %d workers, automatic chunks (%d s)%n%n",
        items,
        workers,
        seconds);
    System.out.println(
        "| process | start, MiB | at a tenth, MiB | largest, MiB | largest ÷ at a tenth |");
    System.out.println("|---|---:|---:|---:|---:|");
    row(
        "multiprocessing4j parent, resident set",
        (double) startRss,
        (double) tenthRss.get(),
        (double) maxRss.get());
    row(
        "multiprocessing4j parent, live heap after GC",
        (double) startHeap,
        (double) tenthHeap.get(),
        (double) maxHeap.get());
    row("Python parent (Pool.imap, chunksize 1000), resident set", py[0], py[1], py[2]);
  }

  private static final AtomicLong DONE = new AtomicLong();

  private static void row(String what, double start, double tenth, double max) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s |%n",
        what,
        mib(start),
        mib(tenth),
        mib(max),
        tenth > 0 ? String.format(Locale.ROOT, "%.2f×", max / tenth) : "n/a");
  }

  private static String mib(double bytes) {
    return bytes > 0 ? String.format(Locale.ROOT, "%.1f", bytes / (1 << 20)) : "n/a";
  }

  /** The heap in use right after the latest collection, summed over the heap's pools. */
  static long liveHeapBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        MemoryUsage u = pool.getCollectionUsage();
        if (u != null) {
          sum += u.getUsed();
        }
      }
    }
    return sum;
  }

  /** Maps {@code n} generated integers and checks every result in order. */
  private static void drain(PoolExecutor pool, long n) {
    Iterable<Long> input =
        () ->
            new Iterator<>() {
              long next;

              @Override
              public boolean hasNext() {
                return next < n;
              }

              @Override
              public Long next() {
                return next++;
              }
            };
    long expect = 1;
    try (ResultIterator<Long> it = pool.imap(x -> x + 1, input)) {
      while (it.hasNext()) {
        long got = it.next();
        if (got != expect) {
          throw new IllegalStateException("result " + got + ", expected " + expect);
        }
        expect++;
        DONE.lazySet(expect);
      }
    }
    if (expect != n + 1) {
      throw new IllegalStateException("lost results: " + (expect - 1) + " of " + n);
    }
  }

  /** This process's resident set size, from /proc/self/status; 0 where there is none. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux: no figure.
    }
    return 0;
  }

  private static final String PYTHON =
      """
      import sys, threading, time
      from multiprocessing import Pool

      def inc(x):
          return x + 1

      def rss():
          with open('/proc/self/status') as f:
              for line in f:
                  if line.startswith('VmRSS:'):
                      return int(line.split()[1]) * 1024
          return 0

      if __name__ == '__main__':
          items, workers = int(sys.argv[1]), int(sys.argv[2])
          peak = [0]
          tenth = [0]
          done = [0]
          stop = threading.Event()
          def sample():
              while not stop.is_set():
                  r = rss()
                  peak[0] = max(peak[0], r)
                  if tenth[0] == 0 and done[0] >= items // 10:
                      tenth[0] = r
                  time.sleep(0.05)
          with Pool(workers) as pool:
              assert sum(1 for _ in pool.imap(inc, range(200000), chunksize=1000)) == 200000
              start = rss()
              peak[0] = start
              t = threading.Thread(target=sample, daemon=True)
              t.start()
              expect = 1
              for r in pool.imap(inc, (i for i in range(items)), chunksize=1000):
                  assert r == expect
                  expect += 1
                  done[0] = expect
              stop.set()
              t.join()
          print(start, tenth[0] or peak[0], peak[0])
      """;
}
