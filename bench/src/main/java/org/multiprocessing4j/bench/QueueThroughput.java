package org.multiprocessing4j.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;

/**
 * Whole-process benchmark of queue throughput between processes: {@link ProcessQueue} and {@link
 * SimpleQueue} against Python's {@code multiprocessing.Queue} and {@code SimpleQueue} on the same
 * machine, in the same run, with {@link ArrayBlockingQueue} between two threads of one JVM as the
 * in-process reference.
 *
 * <ul>
 *   <li><b>small</b>: one producer process puts {@code --items} small integers, the parent gets
 *       them; items per second.
 *   <li><b>bytes8</b>: the same with 8-byte {@code byte[]} items (Python: 8-byte {@code bytes}).
 *   <li><b>kib</b>: {@code --kibItems} items of 1 KiB; MB per second.
 *   <li><b>2x2</b>: two producer processes, two consumer processes, {@code --items} in all; items
 *       per second from the start signal to the last item.
 * </ul>
 *
 * Producer and consumer processes live through every round and get a warm-up round first, so
 * neither JVM start-up nor compilation is counted; timing runs from the go signal to the last item.
 * The four 1 → 1 workloads take turns at running first in a round. Each figure is the median of
 * {@code --rounds} rounds. Python moves far fewer items per second, so it gets {@code
 * --pythonItems} items. Prints a Markdown table with ratios to Python, then a second table against
 * a raw Agrona {@code OneToOneRingBuffer} between two JVMs ({@link AgronaRing}, both sides
 * spinning, 8-byte and 1 KiB messages): the practical limit on the JVM.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.QueueThroughput [--items 1000000] [--kibItems 100000]
 *     [--pythonItems 100000] [--rounds 3] [--python python3]
 *     [--parts one,two,threads,agrona,python]
 * </pre>
 */
public final class QueueThroughput {

  private QueueThroughput() {}

  /** What producers put. */
  enum Kind {
    SMALL,
    BYTES8,
    KIB
  }

  static Object item(Kind kind, int i) {
    return switch (kind) {
      case SMALL -> i;
      case BYTES8 -> new byte[8];
      case KIB -> new byte[1024];
    };
  }

  /** What a producer process is asked to do: put {@code n} items of {@code kind} on a queue. */
  record Job(Kind kind, int n, ProcessQueue<Object> queue, boolean simple)
      implements java.io.Serializable {}

  /**
   * Serves jobs until it gets a job of 0 items. Runs in a producer process that lives through every
   * round, so that its code is compiled after the warm-up round, as a real producer's would be.
   */
  static void producer(
      ProcessQueue<Job> jobs, ProcessQueue<String> ready, SimpleQueue<Object> simpleQueue)
      throws InterruptedException {
    while (true) {
      ready.put("ready");
      Job job = jobs.get();
      if (job.n() == 0) {
        return;
      }
      if (job.simple()) {
        for (int i = 0; i < job.n(); i++) {
          simpleQueue.put(i);
        }
      } else {
        for (int i = 0; i < job.n(); i++) {
          job.queue().put(item(job.kind(), i));
        }
      }
    }
  }

  /** Gets {@code n} items per job, then reports; a job of 0 items ends it. */
  static void consumer(ProcessQueue<Job> jobs, ProcessQueue<String> done)
      throws InterruptedException {
    while (true) {
      Job job = jobs.get();
      if (job.n() == 0) {
        return;
      }
      for (int i = 0; i < job.n(); i++) {
        job.queue().take();
      }
      done.put("done");
    }
  }

  /** Producer and consumer processes kept for every round. */
  static final class Rig {
    final ProcessQueue<Job> producerJobs;
    final ProcessQueue<Job> consumerJobs;
    final ProcessQueue<String> ready;
    final ProcessQueue<String> done;
    final SimpleQueue<Object> simpleQueue;
    final ProcessQueue<Object> queue;
    final List<JvmProcess> producers = new ArrayList<>();
    final List<JvmProcess> consumers = new ArrayList<>();

    Rig(MultiprocessingContext ctx, int producerCount, int consumerCount) {
      producerJobs = ctx.queue();
      consumerJobs = ctx.queue();
      ready = ctx.queue();
      done = ctx.queue();
      simpleQueue = ctx.simpleQueue();
      queue = ctx.queue(10_000);
      ProcessQueue<Job> pj = producerJobs;
      ProcessQueue<Job> cj = consumerJobs;
      ProcessQueue<String> r = ready;
      ProcessQueue<String> d = done;
      SimpleQueue<Object> sq = simpleQueue;
      for (int i = 0; i < producerCount; i++) {
        producers.add(new JvmProcess(() -> producer(pj, r, sq)).start());
      }
      for (int i = 0; i < consumerCount; i++) {
        consumers.add(new JvmProcess(() -> consumer(cj, d)).start());
      }
    }

    /** One round: every producer puts {@code perProducer} items; items per second overall. */
    double round(Kind kind, int perProducer, boolean simple) throws InterruptedException {
      for (int i = 0; i < producers.size(); i++) {
        ready.get();
      }
      int total = perProducer * producers.size();
      for (int i = 0; i < consumers.size(); i++) {
        consumerJobs.put(new Job(kind, total / consumers.size(), queue, simple));
      }
      long start = System.nanoTime();
      for (int i = 0; i < producers.size(); i++) {
        producerJobs.put(new Job(kind, perProducer, queue, simple));
      }
      if (consumers.isEmpty()) {
        for (int i = 0; i < total; i++) {
          Object item = simple ? simpleQueue.get() : queue.take();
          if (item == null) {
            throw new IllegalStateException("null item");
          }
        }
      } else {
        for (int i = 0; i < consumers.size(); i++) {
          done.get();
        }
      }
      return total / ((System.nanoTime() - start) / 1e9);
    }

    /** Ends the processes. */
    void stop() throws InterruptedException {
      for (int i = 0; i < producers.size(); i++) {
        producerJobs.put(new Job(Kind.SMALL, 0, queue, false));
      }
      for (int i = 0; i < consumers.size(); i++) {
        consumerJobs.put(new Job(Kind.SMALL, 0, queue, false));
      }
      for (JvmProcess p : producers) {
        p.join();
      }
      for (JvmProcess p : consumers) {
        p.join();
      }
    }
  }

  /** ArrayBlockingQueue between two threads: the in-process reference. */
  static double threads(int n) throws InterruptedException {
    BlockingQueue<Object> q = new ArrayBlockingQueue<>(10_000);
    Thread producer =
        Thread.ofPlatform()
            .unstarted(
                () -> {
                  try {
                    for (int i = 0; i < n; i++) {
                      q.put(i);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    long start = System.nanoTime();
    producer.start();
    for (int i = 0; i < n; i++) {
      q.take();
    }
    double rate = n / ((System.nanoTime() - start) / 1e9);
    producer.join();
    return rate;
  }

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --items N --kibItems N --pythonItems N --rounds N --python EXE}
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = Report.options(args);
    int items = Integer.parseInt(opts.getOrDefault("items", "1000000"));
    int kibItems = Integer.parseInt(opts.getOrDefault("kibItems", "100000"));
    int pythonItems = Integer.parseInt(opts.getOrDefault("pythonItems", "100000"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");

    double[] small = new double[rounds];
    double[] simple = new double[rounds];
    double[] bytes8 = new double[rounds];
    double[] kib = new double[rounds];
    double[] two = new double[rounds];
    double[] abq = new double[rounds];
    double[] agrona8 = new double[rounds];
    double[] agronaKib = new double[rounds];
    // Which parts run (all by default): a series comparing two builds on one workload skips the
    // rest. A part left out prints as 0 (ours) or n/a (a peer).
    Set<String> parts =
        Set.of(opts.getOrDefault("parts", "one,two,threads,agrona,python").split(","));
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      if (parts.contains("one")) {
        oneToOne(ctx, items, kibItems, rounds, small, simple, bytes8, kib);
      }
      if (parts.contains("two")) {
        Rig twoByTwo = new Rig(ctx, 2, 2);
        try {
          twoByTwo.round(Kind.SMALL, items / 10, false);
          for (int r = 0; r < rounds; r++) {
            two[r] = twoByTwo.round(Kind.SMALL, items / 2, false);
          }
        } finally {
          twoByTwo.stop();
        }
      }
      if (parts.contains("threads")) {
        threads(items);
        for (int r = 0; r < rounds; r++) {
          abq[r] = threads(items);
        }
      }
      if (parts.contains("agrona")) {
        AgronaRing.Rig agrona = new AgronaRing.Rig(ctx);
        try {
          agrona.round(items / 5, 8); // warm-up
          agrona.round(kibItems / 5, 1024);
          for (int r = 0; r < rounds; r++) {
            agrona8[r] = agrona.round(items, 8);
            agronaKib[r] = agrona.round(kibItems, 1024) * 1024 / 1e6;
          }
        } finally {
          agrona.stop();
        }
      }
    }
    double[] py =
        parts.contains("python")
            ? python(python, pythonItems, Math.min(kibItems, pythonItems), rounds)
            : new double[5];

    System.out.printf(
        Locale.ROOT,
        "%d items (Python: %d), %d items of 1 KiB, median of %d rounds, %d cores%n%n",
        items,
        pythonItems,
        kibItems,
        rounds,
        Runtime.getRuntime().availableProcessors());
    System.out.println("| workload | multiprocessing4j | Python | ratio |");
    System.out.println("|---|---:|---:|---:|");
    Report.rateRow("1 → 1, Integer, items/s (Queue)", Report.median(small), py[0]);
    Report.rateRow("1 → 1, Integer, items/s (SimpleQueue)", Report.median(simple), py[1]);
    Report.rateRow("1 → 1, 8-byte byte[], items/s (Queue)", Report.median(bytes8), py[2]);
    Report.rateRow("1 → 1, 1 KiB byte[], MB/s (Queue)", Report.median(kib), py[3]);
    Report.rateRow("2 → 2, Integer, items/s (Queue)", Report.median(two), py[4]);
    System.out.printf(
        Locale.ROOT,
        "%nArrayBlockingQueue between two threads (in-process reference): %,.0f items/s%n",
        Report.median(abq));
    System.out.println();
    System.out.println("| workload | ProcessQueue | raw Agrona OneToOneRingBuffer | ratio |");
    System.out.println("|---|---:|---:|---:|");
    Report.rateRow("1 → 1, 8-byte items/s", Report.median(bytes8), Report.median(agrona8));
    Report.rateRow("1 → 1, 1 KiB items, MB/s", Report.median(kib), Report.median(agronaKib));
  }

  /** The four 1 → 1 workloads, {@code rounds} rounds each after a warm-up round. */
  private static void oneToOne(
      MultiprocessingContext ctx,
      int items,
      int kibItems,
      int rounds,
      double[] small,
      double[] simple,
      double[] bytes8,
      double[] kib)
      throws InterruptedException {
    Rig one = new Rig(ctx, 1, 0);
    try {
      for (Kind k : Kind.values()) { // warm-up: the producer's and our code get compiled
        one.round(k, items / 5, false);
      }
      one.round(Kind.SMALL, items / 5, true);
      // Each round starts one workload later, so that none always runs first, right after the
      // 1 KiB round (100 MB of garbage in both processes). With a fixed order the Integer Queue,
      // always first, trailed SimpleQueue in 3 runs of 4; with the two swapped it led in 3 of 4
      // and tied in one (docs/benchmarks.md, 2026-11-28).
      for (int r = 0; r < rounds; r++) {
        for (int w = 0; w < 4; w++) {
          switch ((r + w) % 4) {
            case 0 -> small[r] = one.round(Kind.SMALL, items, false);
            case 1 -> simple[r] = one.round(Kind.SMALL, items, true);
            case 2 -> bytes8[r] = one.round(Kind.BYTES8, items, false);
            default -> kib[r] = one.round(Kind.KIB, kibItems, false) * 1024 / 1e6;
          }
        }
      }
    } finally {
      one.stop();
    }
  }

  private static final String PYTHON =
      """
      import sys, time
      from multiprocessing import Process, Queue, SimpleQueue

      def produce(q, ready, go, kind, n):
          ready.put('ready')
          go.get()
          item = {'small': None, 'bytes8': b'\\0' * 8, 'kib': b'\\0' * 1024}[kind]
          for i in range(n):
              q.put(i if item is None else item)

      def consume(q, done, n):
          for _ in range(n):
              q.get()
          done.put('done')

      def one_to_one(qtype, kind, n):
          q, ready, go = qtype(10000) if qtype is Queue else qtype(), Queue(), Queue()
          p = Process(target=produce, args=(q, ready, go, kind, n))
          p.start()
          ready.get()
          t = time.perf_counter()
          go.put('go')
          for _ in range(n):
              q.get()
          rate = n / (time.perf_counter() - t)
          p.join()
          return rate

      def two_by_two(n):
          q, ready, go, done = Queue(10000), Queue(), Queue(), Queue()
          ps = [Process(target=consume, args=(q, done, n // 2)) for _ in range(2)]
          ps += [Process(target=produce, args=(q, ready, go, 'small', n // 2)) for _ in range(2)]
          for p in ps:
              p.start()
          ready.get(); ready.get()
          t = time.perf_counter()
          go.put('go'); go.put('go')
          done.get(); done.get()
          rate = n / (time.perf_counter() - t)
          for p in ps:
              p.join()
          return rate

      def median(xs):
          xs = sorted(xs)
          return xs[len(xs) // 2]

      if __name__ == '__main__':
          items, kib_items, rounds = map(int, sys.argv[1:4])
          one_to_one(Queue, 'small', items // 10)
          r = [[], [], [], [], []]
          for _ in range(rounds):
              r[0].append(one_to_one(Queue, 'small', items))
              r[1].append(one_to_one(SimpleQueue, 'small', items))
              r[2].append(one_to_one(Queue, 'bytes8', items))
              r[3].append(one_to_one(Queue, 'kib', kib_items) * 1024 / 1e6)
              r[4].append(two_by_two(items))
          print(*[median(x) for x in r])
      """;

  /** Runs the Python peer; returns its 5 figures, or zeros if Python is missing. */
  private static double[] python(String exe, int items, int kibItems, int rounds)
      throws IOException, InterruptedException {
    return PythonScript.figures(exe, PYTHON, 5, items, kibItems, rounds);
  }
}
