package org.multiprocessing4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.bench.QueueThroughput.Job;
import org.multiprocessing4j.bench.QueueThroughput.Kind;

/**
 * Diagnosis, not a race: why a {@link ProcessQueue} with {@code maxsize} 10,000 moves fewer small
 * items per second than one bounded by its ring's bytes alone. One producer process puts {@code
 * --items} Integers on each queue in turn, round after round; the parent takes them, and samples
 * {@code qsize()} every 4,096 takes. Per queue it prints the median rate, how the sampled depths
 * spread over tenths of the limit (a queue parked at full puts nearly every sample in the last
 * tenth; a saw-tooth spreads them evenly), and the context switches of producer and consumer per
 * million items (from {@code /proc}; Linux only), medians over {@code --rounds}.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.QueueDepth [--items 1000000] [--rounds 8]
 * </pre>
 */
public final class QueueDepth {

  private QueueDepth() {}

  private static final int SAMPLE_EVERY = 4096;

  /** Voluntary and involuntary context switches of every thread of {@code pid} so far. */
  static long contextSwitches(long pid) {
    long total = 0;
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        for (String line : Files.readAllLines(task.resolve("status"))) {
          if (line.contains("ctxt_switches")) {
            total += Long.parseLong(line.replaceAll("\\D", ""));
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return -1; // not Linux, or a thread ended while being read: reported as unknown
    }
    return total;
  }

  /**
   * Runs the diagnosis and prints a Markdown table.
   *
   * @param args {@code --items N --rounds N}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Report.options(args);
    int items = Integer.parseInt(opts.getOrDefault("items", "1000000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "8"));
    long me = ProcessHandle.current().pid();
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      ProcessQueue<Job> jobs = ctx.queue(); // served by QueueThroughput's producer
      ProcessQueue<String> ready = ctx.queue();
      List<Tally> tallies =
          List.of(
              new Tally("maxsize 10,000", ctx.queue(10_000), rounds),
              new Tally("no maxsize (1 MiB ring)", ctx.queue(), rounds));
      SimpleQueue<Object> unused = ctx.simpleQueue();
      JvmProcess producer =
          new JvmProcess(() -> QueueThroughput.producer(jobs, ready, unused)).start();
      try {
        for (int r = -1; r < rounds; r++) { // round -1 warms up
          for (Tally t : tallies) {
            ProcessQueue<Object> q = t.queue();
            long limit = q.maxsize() > 0 ? q.maxsize() : 65_536; // records of an Integer: 16 bytes
            long[] spread = t.tenths();
            ready.get();
            long producerCs = contextSwitches(producer.pid());
            long consumerCs = contextSwitches(me);
            long start = System.nanoTime();
            jobs.put(new Job(Kind.SMALL, items, q, false));
            for (int i = 0; i < items; i++) {
              q.take();
              if (r >= 0 && i % SAMPLE_EVERY == 0) {
                spread[(int) Math.min(9, q.qsize() * 10L / limit)]++;
              }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (r >= 0) {
              t.rate()[r] = items / seconds;
              t.producerSwitches()[r] =
                  (contextSwitches(producer.pid()) - producerCs) * 1e6 / items;
              t.consumerSwitches()[r] = (contextSwitches(me) - consumerCs) * 1e6 / items;
            }
          }
        }
      } finally {
        ready.get();
        jobs.put(new Job(Kind.SMALL, 0, tallies.get(0).queue(), false));
        producer.join();
      }
      System.out.printf(
          Locale.ROOT,
          "%d Integers a round, 1 producer process -> the parent, median of %d rounds, %d cores%n%n",
          items,
          rounds,
          Runtime.getRuntime().availableProcessors());
      System.out.println(
          "| queue | items/s | depth samples by tenth of the limit, emptiest first |"
              + " producer / consumer context switches per million items |");
      System.out.println("|---|---:|---|---:|");
      for (Tally t : tallies) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %,.0f | %s | %,.0f / %,.0f |%n",
            t.name(),
            Report.median(t.rate()),
            Arrays.toString(t.tenths()),
            Report.median(t.producerSwitches()),
            Report.median(t.consumerSwitches()));
      }
    }
  }

  /** One queue under test and what its rounds measured. */
  @SuppressWarnings("ArrayRecordComponent") // filled in place, read once at the end
  private record Tally(
      String name,
      ProcessQueue<Object> queue,
      double[] rate,
      double[] producerSwitches,
      double[] consumerSwitches,
      long[] tenths) {
    Tally(String name, ProcessQueue<Object> queue, int rounds) {
      this(name, queue, new double[rounds], new double[rounds], new double[rounds], new long[10]);
    }
  }
}
