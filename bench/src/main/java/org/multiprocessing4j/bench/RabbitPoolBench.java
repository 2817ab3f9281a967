package org.multiprocessing4j.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.rabbitmq.RabbitContext;
import org.multiprocessing4j.rabbitmq.WorkerNode;

/**
 * The distributed pool's round trip against the raw {@code amqp-client} doing the same RPC on the
 * same broker, in the same run: 1 KiB out and 1 KiB back, one worker, one submitting thread.
 *
 * <ul>
 *   <li><b>ours</b>: a submit-only pool ({@code workers(0)}) and a worker node of 1 process in this
 *       JVM, each with its own connection: submit (sign, publish, wait for the confirm), the node
 *       checks it and hands it to its worker JVM, which decodes and runs it; the node publishes the
 *       signed result without waiting and acks the task when the broker confirms the result; the
 *       submitter checks and decodes it.
 *   <li><b>raw work queue</b>: the same guarantees by hand: a durable request queue, publish with a
 *       confirm per request (transient messages, as the pool's tasks are by default), a consumer
 *       (prefetch 1, own connection) that publishes the body back to a named reply queue with a
 *       confirm and then acks; the client consumes the reply queue.
 *   <li><b>raw work queue + worker process</b>: the raw work queue whose server runs each request
 *       in a worker JVM, as a service written with the raw client that isolates its tasks with this
 *       library would: it takes processes + 1 = 2 requests (as a node of 1 process does), submits
 *       each to a local {@link ProcessPoolExecutor} of 1 worker as the same lambda holding the 1
 *       KiB body, publishes the reply from the thread that completes it, and acks the request when
 *       the broker confirms the reply (see {@link RawHopRpc}). The same wire traffic as the raw
 *       work queue, plus our hop: what is left between it and ours is our RabbitMQ layer.
 *   <li><b>raw direct reply-to</b>: the cheapest RPC the broker offers: no confirms, replies
 *       through {@code amq.rabbitmq.reply-to}.
 * </ul>
 *
 * <p>For reference, a local {@link ProcessPoolExecutor} of 1 worker does the same calls: the cost
 * of the hop from a node to its worker JVM alone.
 *
 * <p>Latency: {@code --calls} sequential calls per round, p50 and p99 in microseconds, and the
 * calls per second they made (calls ÷ elapsed: the messages/s for round trips). Throughput:
 * {@code --tasks} submitted at once from one thread, then every answer awaited, tasks/s. Each
 * figure is the median of {@code --rounds} rounds after {@code --warmup} warm-up rounds (default
 * 10). Warm-up matters more for ours than for the raw peers: the client library's code is hot after
 * a round or two, as every peer runs it, but the pool's and the node's own methods run only in
 * their phase, about 900 calls a round, and reach the JIT's last tier only after several rounds;
 * with 4 warm-up rounds the JIT compiler threads still took 283 to 450 µs of CPU per pipelined task
 * of ours (about half of this JVM's figure) and 0 to 17 of the raw peers', with 10 rounds a median
 * of 17 (the row "JIT compiler threads"; docs/benchmarks.md, "Round 4"). Our round trip has one hop
 * more than the raw work queue and direct reply-to (node to worker JVM and back, over a local
 * socket): the price of running the task in a process the node can kill. The worker-process peer
 * pays that hop too, so ours ÷ it is our RabbitMQ layer's own overhead.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * uri=$(.ci/rabbitmq.sh start /tmp/broker)
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *      org.multiprocessing4j.bench.RabbitPoolBench --uri "$uri" [--calls 500] [--tasks 1000] [--rounds 3] \
 *     [--warmup 10] [--broker-pid $(cat /tmp/broker/pid)] [--only ours|hop] [--threads true]
 *     [--marks true]
 * .ci/rabbitmq.sh stop /tmp/broker
 * </pre>
 */
public final class RabbitPoolBench {

  private RabbitPoolBench() {}

  private static final byte[] PAYLOAD = new byte[1024];

  public static void main(String[] args) throws Exception {
    String uri = System.getenv("MP4J_AMQP_URI");
    int calls = 500;
    int tasks = 1000;
    int rounds = 3;
    int warmup = 10;
    long brokerPid = -1;
    String only = "";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--uri" -> uri = args[i + 1];
        case "--calls" -> calls = Integer.parseInt(args[i + 1]);
        case "--tasks" -> tasks = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--broker-pid" -> brokerPid = Long.parseLong(args[i + 1]);
        case "--only" -> only = args[i + 1];
        case "--threads" -> threads = Boolean.parseBoolean(args[i + 1]);
        case "--marks" -> marks = Boolean.parseBoolean(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (uri == null) {
      throw new IllegalArgumentException("give --uri amqp://... or set MP4J_AMQP_URI");
    }
    if (!only.isEmpty() && !only.equals("ours") && !only.equals("hop")) {
      throw new IllegalArgumentException("--only takes ours or hop, not " + only);
    }
    boolean oursOnly = only.equals("ours");
    boolean hopOnly = only.equals("hop");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri);
    broker = brokerPid < 0 ? null : ProcessHandle.of(brokerPid).orElse(null);
    double[][] ours = new double[ROWS][rounds];
    double[][] work = new double[ROWS][rounds];
    double[][] hop = new double[ROWS][rounds];
    double[][] direct = new double[ROWS][rounds];
    double[][] local = new double[ROWS][rounds];
    String pool = "bench" + UUID.randomUUID().toString().substring(0, 8);
    String namespace;
    try (RabbitContext nodeCtx = RabbitContext.builder().uri(uri).authKey(key).build();
        RabbitContext clientCtx = RabbitContext.builder().uri(uri).authKey(key).build();
        WorkerNode node = nodeCtx.workerNode(pool, 1);
        ProcessPoolExecutor client = clientCtx.poolBuilder().poolName(pool).workers(0).build();
        Connection serverConn = f.newConnection();
        Connection clientConn = f.newConnection();
        ProcessPoolExecutor localPool = new ProcessPoolExecutor(1);
        ProcessPoolExecutor hopPool = new ProcessPoolExecutor(1)) {
      namespace = clientCtx.namespace();
      RawRpc wq = new RawRpc(serverConn, clientConn, true);
      RawHopRpc wh = new RawHopRpc(serverConn, clientConn, hopPool);
      RawRpc dr = new RawRpc(serverConn, clientConn, false);
      for (int r = -warmup; r < rounds; r++) { // negative rounds warm up
        boolean last = r == rounds - 1;
        round = r;
        // --only ours (or hop): that peer alone, to profile it (the other columns repeat its
        // figures)
        double[] o =
            hopOnly ? new double[0] : measure(calls, tasks, () -> ours(client), last, "ours");
        double[] h = oursOnly ? o : measure(calls, tasks, wh::call, last, "raw + worker process");
        if (hopOnly) {
          o = h;
        }
        boolean one = oursOnly || hopOnly;
        double[] w = one ? o : measure(calls, tasks, wq::call, false, "raw work queue");
        double[] d = one ? o : measure(calls, tasks, dr::call, false, "raw direct reply-to");
        double[] l = one ? o : measure(calls, tasks, () -> ours(localPool), false, "local pool");
        if (r >= 0) {
          for (int k = 0; k < ROWS; k++) {
            local[k][r] = l[k];
            ours[k][r] = o[k];
            work[k][r] = w[k];
            hop[k][r] = h[k];
            direct[k][r] = d[k];
          }
        }
      }
      wq.close();
      wh.close();
      dr.close();
      long submitted = (long) (rounds + warmup) * (calls + tasks);
      if (!hopOnly && node.tasksCompleted() < submitted) {
        throw new IllegalStateException("the node ran fewer tasks than submitted");
      }
      if (!oursOnly && wh.acked() < submitted) {
        throw new IllegalStateException(
            "the worker-process peer acked " + wh.acked() + " of " + submitted + " requests");
      }
    }
    // A pool's task queue is durable and outlives its submitters and nodes (either may come back):
    // this run's pool is not coming back, so its queue and cancel exchange go, and a series of
    // runs on one broker does not pile them up.
    try (Connection c = f.newConnection();
        Channel ch = c.createChannel()) {
      ch.queueDelete(namespace + ".pool." + pool + ".tasks");
      ch.exchangeDelete(namespace + ".pool." + pool + ".cancel");
    }
    System.out.printf(
        Locale.ROOT,
        "%n1 KiB each way, one worker, one submitting thread; median of %d rounds of %d calls"
            + " (latency, µs) and %d tasks (throughput)%n%n",
        rounds,
        calls,
        tasks);
    System.out.println(
        "| | mp4j pool | raw work queue | ratio | raw work queue + worker process | ratio |"
            + " raw direct reply-to | ratio | local pool (the node's hop alone) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    String[] what = {
      "round trip p50 (µs)",
      "round trip p99 (µs)",
      "tasks/s, pipelined",
      "CPU µs per pipelined task: this JVM (submitter + node)",
      "CPU µs per pipelined task: worker JVMs",
      "CPU µs per pipelined task: broker",
      "CPU µs per pipelined task: all three",
      "wake-ups per pipelined task (voluntary context switches): this JVM",
      "wake-ups per pipelined task: worker JVMs",
      "wake-ups per pipelined task: broker",
      "CPU µs per pipelined task: this JVM's JIT compiler threads",
      "CPU µs per pipelined task: this JVM's GC threads",
      "wake-ups per sequential call: this JVM",
      "KB allocated per pipelined task: this JVM",
      "sequential calls/s (calls ÷ elapsed)"
    };
    for (int row = 0; row < ROWS; row++) {
      int k = row < 2 ? row : row == 2 ? CALL_RATE : row - 1; // calls/s after p50 and p99
      if ((k == 5 || k == 9) && broker == null) {
        continue; // no --broker-pid
      }
      if (k >= 7 && k != CALL_RATE && !PROC) {
        continue; // no /proc: not Linux
      }
      double o = Report.median(ours[k]);
      double w = Report.median(work[k]);
      double h = Report.median(hop[k]);
      double d = Report.median(direct[k]);
      // ratio: ours ÷ raw for latency (more is worse), raw ÷ ours for throughput (same meaning);
      // none where the peer's figure prints as zero (a raw peer has no worker JVM: its "worker
      // JVMs" rows hold the idle node worker's rare wake-ups)
      boolean wholeNumbers =
          k < 3 + CPU_ROWS
              || k == CALL_RATE
              || (k >= 3 + CPU_ROWS + SWITCH_ROWS
                  && k < ROWS - LATENCY_ROWS - ALLOCATION_ROWS - CALL_RATE_ROWS);
      boolean rate = k == 2 || k == CALL_RATE; // more is better: the peer's ÷ ours
      double zero = wholeNumbers ? 0.5 : 0.05;
      double rw = w < zero ? Double.NaN : !rate ? o / w : w / o;
      double rh = h < zero ? Double.NaN : !rate ? o / h : h / o;
      double rd = d < zero ? Double.NaN : !rate ? o / d : d / o;
      System.out.printf(
          Locale.ROOT,
          wholeNumbers
              ? "| %s | %,.0f | %,.0f | %s | %,.0f | %s | %,.0f | %s | %,.0f |%n"
              : "| %s | %.1f | %.1f | %s | %.1f | %s | %.1f | %s | %.1f |%n",
          what[k],
          o,
          w,
          times(rw),
          h,
          times(rh),
          d,
          times(rd),
          Report.median(local[k]));
    }
    System.out.println(
        "\nratio = how many times slower ours is (1.20× = 20 percent overhead), for every row.");
    if (broker == null) {
      System.out.println("(no --broker-pid: the broker's CPU is not counted in the last row)");
    }
  }

  interface Call {
    CompletableFuture<byte[]> call() throws Exception;
  }

  private static CompletableFuture<byte[]> ours(ProcessPoolExecutor client) {
    byte[] p = PAYLOAD;
    return client.submit(() -> p);
  }

  /** CPU rows after the three timing rows: this JVM, its child JVMs, the broker, their sum. */
  private static final int CPU_ROWS = 4;

  /**
   * Rows after the CPU rows: voluntary context switches per pipelined task of this JVM, its child
   * JVMs and the broker (a thread that blocks and is woken again, for a socket read, a lock, a
   * queue's hand-off: each hop of a task from one thread to another costs the receiver one).
   */
  private static final int SWITCH_ROWS = 3;

  /**
   * Last rows: how much of this JVM's CPU per pipelined task its JIT compiler threads and its
   * garbage collector's threads took meanwhile: what is still being compiled (or compiled again
   * after a deoptimization) is charged to whichever phase runs, so a large JIT share means too few
   * warm-up rounds for that phase's code.
   */
  private static final int JVM_ROWS = 2;

  /**
   * The last row: voluntary context switches of this JVM per call of the sequential (latency)
   * phase: the thread hand-offs on one round trip (each costs the round trip a wake-up).
   */
  private static final int LATENCY_ROWS = 1;

  /** The very last row: the heap this JVM allocated per pipelined task, in KB. */
  private static final int ALLOCATION_ROWS = 1;

  /**
   * Stored last, printed after the p99 row: sequential calls per second of the latency phase (calls
   * ÷ its elapsed time), the "messages/s" for RPC round trips.
   */
  private static final int CALL_RATE_ROWS = 1;

  private static final int ROWS =
      3 + CPU_ROWS + SWITCH_ROWS + JVM_ROWS + LATENCY_ROWS + ALLOCATION_ROWS + CALL_RATE_ROWS;

  /** The sequential calls/s row's index. */
  private static final int CALL_RATE = ROWS - 1;

  private static final boolean PROC = Files.isDirectory(Path.of("/proc/self/task"));

  private static @org.jspecify.annotations.Nullable ProcessHandle broker;

  /**
   * {@code --marks true}: print a line at the start and end of each phase, with the JVM's uptime in
   * ms, to place {@code -XX:+PrintCompilation} or {@code -Xlog} lines (same clock) in their phase.
   */
  private static boolean marks;

  /** The round being run: negative while warming up. */
  private static int round;

  private static void mark(String label, String what) {
    if (marks) {
      System.out.printf(
          Locale.ROOT,
          "#mark %d %s round %d %s%n",
          java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(),
          label,
          round,
          what);
    }
  }

  /** {@code --threads true}: print each thread's wake-ups and CPU in the last pipelined phase. */
  private static boolean threads;

  /** A thread's name and counters, from {@code /proc/PID/task/TID}. */
  private record ThreadStat(String name, long switches, long ticks) {}

  /** Returns the threads of this JVM and its descendants, by "pid/tid". */
  private static Map<String, ThreadStat> threadStats() {
    Map<String, ThreadStat> all = new java.util.TreeMap<>();
    List<ProcessHandle> procs = new ArrayList<>();
    procs.add(ProcessHandle.current());
    ProcessHandle.current().descendants().forEach(procs::add);
    for (ProcessHandle p : procs) {
      try (DirectoryStream<Path> ts =
          Files.newDirectoryStream(Path.of("/proc/" + p.pid(), "task"))) {
        for (Path t : ts) {
          try {
            String name = Files.readString(t.resolve("comm")).strip();
            long sw = 0;
            for (String line : Files.readAllLines(t.resolve("status"))) {
              if (line.startsWith("voluntary_ctxt_switches:")) {
                sw = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
              }
            }
            String stat = Files.readString(t.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            String who = p.pid() == ProcessHandle.current().pid() ? "" : "child ";
            all.put(p.pid() + "/" + t.getFileName(), new ThreadStat(who + name, sw, ticks));
          } catch (IOException | RuntimeException ended) {
            // the thread ended between the listing and the read
          }
        }
      } catch (IOException | RuntimeException ended) {
        // the process ended
      }
    }
    return all;
  }

  /** Prints the threads that were woken or ran in a phase of {@code tasks} pipelined tasks. */
  private static void printThreads(
      String label, Map<String, ThreadStat> before, Map<String, ThreadStat> after, int tasks) {
    System.out.printf(
        Locale.ROOT, "%nthreads, %s: wake-ups and CPU µs per pipelined task%n", label);
    after.entrySet().stream()
        .map(
            e -> {
              ThreadStat b = before.get(e.getKey());
              long sw = e.getValue().switches() - (b == null ? 0 : b.switches());
              long ticks = e.getValue().ticks() - (b == null ? 0 : b.ticks());
              return new Object[] {e.getKey(), e.getValue().name(), sw, ticks};
            })
        .filter(x -> (long) x[2] > tasks / 50 || (long) x[3] > 0)
        .sorted((x, y) -> Long.compare((long) y[2], (long) x[2]))
        .forEach(
            x ->
                System.out.printf(
                    Locale.ROOT,
                    "  %-14s %-32s %6.2f %6.0f%n",
                    x[0],
                    x[1],
                    (long) x[2] / (double) tasks,
                    (long) x[3] * 10_000.0 / tasks));
  }

  /** Returns the CPU time so far of this JVM, of its descendants, and of the broker, in ns. */
  private static long[] cpuNanos() {
    long self = cpu(ProcessHandle.current());
    long children = ProcessHandle.current().descendants().mapToLong(RabbitPoolBench::cpu).sum();
    ProcessHandle b = broker;
    return new long[] {self, children, b == null ? 0 : cpu(b)};
  }

  /** Returns the voluntary context switches so far of this JVM, its descendants, the broker. */
  private static long[] switches() {
    long self = switches(ProcessHandle.current());
    long children =
        ProcessHandle.current().descendants().mapToLong(RabbitPoolBench::switches).sum();
    ProcessHandle b = broker;
    return new long[] {self, children, b == null ? 0 : switches(b)};
  }

  /**
   * Returns the voluntary context switches of a process's live threads, from Linux's {@code
   * /proc/PID/task/TID/status} (a thread that ended meanwhile takes its count with it), or 0.
   */
  private static long switches(ProcessHandle p) {
    if (!PROC) {
      return 0;
    }
    long n = 0;
    try (DirectoryStream<Path> threads =
        Files.newDirectoryStream(Path.of("/proc/" + p.pid(), "task"))) {
      for (Path t : threads) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | RuntimeException ended) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException ended) {
      return 0; // the process ended
    }
    return n;
  }

  /**
   * Returns the CPU time so far of this JVM's JIT compiler threads and of its garbage collector's
   * threads, in ns, from Linux's {@code /proc/self/task/TID/stat} (clock ticks of 10 ms), or 0.
   */
  private static long[] jitAndGcNanos() {
    long[] ticks = new long[2];
    if (!PROC) {
      return ticks;
    }
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : threads) {
        try {
          String name = Files.readString(t.resolve("comm")).strip();
          int kind =
              name.contains("CompilerThre")
                  ? 0
                  : name.startsWith("GC Thread") || name.startsWith("G1 ") ? 1 : -1;
          if (kind >= 0) {
            String stat = Files.readString(t.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            ticks[kind] += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          }
        } catch (IOException | RuntimeException ended) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return new long[2];
    }
    return new long[] {ticks[0] * 10_000_000L, ticks[1] * 10_000_000L};
  }

  /** Returns the heap this JVM's threads allocated so far, in bytes (an approximation), or 0. */
  private static long allocatedBytes() {
    return java.lang.management.ManagementFactory.getThreadMXBean()
            instanceof com.sun.management.ThreadMXBean t
        ? t.getTotalThreadAllocatedBytes()
        : 0;
  }

  private static long cpu(ProcessHandle p) {
    return p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
  }

  /**
   * Returns p50 µs, p99 µs, tasks/s, then the CPU µs per pipelined task of this JVM, of its child
   * JVMs, of the broker and of the three together (everything each process did meanwhile: on a
   * shared machine only the broker's other clients add to it, and here it has none), then the
   * voluntary context switches per pipelined task of the same three processes, then the CPU µs per
   * pipelined task of this JVM's JIT compiler threads and of its GC threads, this JVM's wake-ups
   * per sequential call, its KB allocated per pipelined task, and the sequential calls/s.
   */
  private static double[] measure(int calls, int tasks, Call c, boolean last, String label)
      throws Exception {
    long[] nanos = new long[calls];
    mark(label, "sequential");
    long sequential0 = switches()[0];
    long sequentialStart = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      byte[] back = c.call().get(60, TimeUnit.SECONDS);
      nanos[i] = System.nanoTime() - t0;
      if (back.length != PAYLOAD.length) {
        throw new IllegalStateException("a wrong answer: " + back.length + " bytes");
      }
    }
    double callRate = calls / ((System.nanoTime() - sequentialStart) / 1e9);
    double sequentialSwitches = (switches()[0] - sequential0) / (double) calls;
    Arrays.sort(nanos);
    boolean perThread = threads && last && PROC;
    Map<String, ThreadStat> threads0 = perThread ? threadStats() : Map.of();
    long[] switches0 = switches();
    long[] jvm0 = jitAndGcNanos();
    long[] cpu0 = cpuNanos();
    long allocated0 = allocatedBytes();
    mark(label, "pipelined");
    long t0 = System.nanoTime();
    List<CompletableFuture<byte[]>> all = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      all.add(c.call());
    }
    for (CompletableFuture<byte[]> x : all) {
      x.get(120, TimeUnit.SECONDS);
    }
    double rate = tasks / ((System.nanoTime() - t0) / 1e9);
    mark(label, "end");
    long allocated1 = allocatedBytes();
    long[] cpu1 = cpuNanos();
    long[] switches1 = switches();
    long[] jvm1 = jitAndGcNanos();
    if (perThread) {
      printThreads(label, threads0, threadStats(), tasks);
    }
    double[] per = new double[3];
    for (int i = 0; i < 3; i++) {
      per[i] = (cpu1[i] - cpu0[i]) / 1e3 / tasks;
    }
    return new double[] {
      nanos[calls / 2] / 1e3,
      nanos[Math.min(calls - 1, (int) (calls * 0.99))] / 1e3,
      rate,
      per[0],
      per[1],
      per[2],
      per[0] + per[1] + per[2],
      (switches1[0] - switches0[0]) / (double) tasks,
      (switches1[1] - switches0[1]) / (double) tasks,
      (switches1[2] - switches0[2]) / (double) tasks,
      (jvm1[0] - jvm0[0]) / 1e3 / tasks,
      (jvm1[1] - jvm0[1]) / 1e3 / tasks,
      sequentialSwitches,
      (allocated1 - allocated0) / 1024.0 / tasks,
      callRate
    };
  }

  /**
   * The client half of a raw RPC. Confirmed: requests on a durable classic queue, transient, with a
   * confirm each, replies on a named queue; otherwise: no confirms, replies through direct
   * reply-to. Replies are consumed with auto-ack, as the pool's submitter does.
   */
  private static final class RawClient {
    private final boolean confirmed;
    final String requests;
    private final String replyTo;
    private final Channel channel;
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    private long seq;

    RawClient(Connection conn, String requests, boolean confirmed) throws Exception {
      this.confirmed = confirmed;
      this.requests = requests;
      channel = conn.createChannel();
      if (confirmed) {
        channel.confirmSelect();
        channel.queueDeclare(requests, true, false, false, Map.of("x-queue-type", "classic"));
        replyTo = requests + ".reply";
        channel.queueDeclare(replyTo, false, false, true, null);
      } else {
        channel.queueDeclare(requests, false, false, true, null);
        replyTo = "amq.rabbitmq.reply-to"; // consumed before the first request, as required
      }
      DeliverCallback onReply =
          (tag, d) -> {
            CompletableFuture<byte[]> fut = pending.remove(d.getProperties().getCorrelationId());
            if (fut != null) {
              fut.complete(d.getBody());
            }
          };
      channel.basicConsume(replyTo, true, onReply, tag -> {});
    }

    CompletableFuture<byte[]> call() throws Exception {
      String id = Long.toString(++seq);
      CompletableFuture<byte[]> fut = new CompletableFuture<>();
      pending.put(id, fut);
      AMQP.BasicProperties p =
          new AMQP.BasicProperties.Builder()
              .correlationId(id)
              .replyTo(replyTo)
              .deliveryMode(1) // transient, as the pool's tasks are by default
              .build();
      channel.basicPublish("", requests, p, PAYLOAD);
      if (confirmed) {
        channel.waitForConfirmsOrDie(60_000);
      }
      return fut;
    }

    void close() throws Exception {
      channel.queueDelete(requests);
      channel.close();
    }
  }

  /**
   * A raw RPC. Confirmed: requests on a durable queue, published with a confirm each, replies to a
   * named queue with a confirm before the ack (the pool's guarantees). Otherwise: direct reply-to
   * and no confirms, the broker's cheapest RPC.
   */
  private static final class RawRpc {
    private final RawClient client;
    private final Channel server;
    private final Channel serverPub;

    RawRpc(Connection serverConn, Connection clientConn, boolean confirmed) throws Exception {
      client = new RawClient(clientConn, "mp4j.bench.rpc." + UUID.randomUUID(), confirmed);
      server = serverConn.createChannel();
      serverPub = confirmed ? serverConn.createChannel() : server;
      if (confirmed) {
        serverPub.confirmSelect();
      }
      server.basicQos(1);
      DeliverCallback onRequest =
          (tag, d) -> {
            AMQP.BasicProperties p =
                new AMQP.BasicProperties.Builder()
                    .correlationId(d.getProperties().getCorrelationId())
                    .build();
            serverPub.basicPublish("", d.getProperties().getReplyTo(), p, d.getBody());
            if (confirmed) {
              try {
                serverPub.waitForConfirmsOrDie(60_000);
              } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                throw new java.io.IOException(e);
              }
            }
            server.basicAck(d.getEnvelope().getDeliveryTag(), false);
          };
      server.basicConsume(client.requests, false, onRequest, tag -> {});
    }

    CompletableFuture<byte[]> call() throws Exception {
      return client.call();
    }

    void close() throws Exception {
      client.close();
      if (serverPub != server) {
        serverPub.close();
      }
      server.close();
    }
  }

  /**
   * The raw work queue whose server runs each request in a worker process: a service written with
   * the raw client that isolates its tasks in a local {@link ProcessPoolExecutor} of 1 worker.
   *
   * <p>The client side and the wire are the raw work queue's (durable classic request queue,
   * transient 1 KiB requests published with a confirm each, replies to a named queue consumed with
   * auto-ack). The server differs in three ways, each what a competent engineer would do and what a
   * worker node does, no more:
   *
   * <ul>
   *   <li>Prefetch 2: the pool's processes + 1, as a node takes ({@code PoolNode.prefetch}); the
   *       second request waits in the local pool, so the worker does not idle while the broker
   *       confirms a reply and delivers the next request.
   *   <li>The consumer thread does not block: it submits {@code () -> body} (a serializable lambda
   *       holding the 1 KiB body, the kind of task the bench submits to ours, sent by the local
   *       pool through the same codec path as a node's task) and returns. Blocking it until the
   *       result would leave the second prefetched request undelivered behind the first.
   *   <li>The reply is published by the thread that completes the task's future, without waiting,
   *       and the request acked when the broker confirms the reply (a confirm listener: the
   *       connection's thread), never before; a refused reply or a failed task sends the request
   *       back. One waiting thread per confirm would not fit two requests in flight on one channel
   *       ({@code waitForConfirms} waits for all of the channel's), so a node does the same.
   * </ul>
   *
   * <p>What it does not do that ours does: sign and check messages, decode a task through an
   * allow-list (a raw service ships data, not code), cancel or time out tasks, report failures.
   */
  private static final class RawHopRpc {
    private final RawClient client;
    private final Channel server; // guarded by itself for acks and nacks, as a node's
    private final Channel serverPub; // guarded by itself: a publish and its sequence number

    /** Replies not confirmed yet: publish sequence number to the request's delivery tag. */
    private final ConcurrentSkipListMap<Long, Long> unconfirmed = new ConcurrentSkipListMap<>();

    private final AtomicLong acked = new AtomicLong();

    @SuppressWarnings("FutureReturnValueIgnored") // the callback handles every outcome
    RawHopRpc(Connection serverConn, Connection clientConn, ProcessPoolExecutor pool)
        throws Exception {
      client = new RawClient(clientConn, "mp4j.bench.hop." + UUID.randomUUID(), true);
      server = serverConn.createChannel();
      serverPub = serverConn.createChannel();
      serverPub.confirmSelect();
      serverPub.addConfirmListener(
          (seqNo, multiple) -> settle(seqNo, multiple, true),
          (seqNo, multiple) -> settle(seqNo, multiple, false));
      server.basicQos(2); // processes + 1, as a node of 1 process
      DeliverCallback onRequest =
          (tag, d) -> {
            long deliveryTag = d.getEnvelope().getDeliveryTag();
            String id = d.getProperties().getCorrelationId();
            String to = d.getProperties().getReplyTo();
            byte[] body = d.getBody();
            CompletableFuture<byte[]> f;
            try {
              f = pool.submit(() -> body);
            } catch (RuntimeException e) { // the local pool is shut down
              settleOne(deliveryTag, false);
              return;
            }
            f.whenComplete(
                (v, e) -> {
                  if (e != null || v == null) {
                    settleOne(deliveryTag, false);
                  } else {
                    reply(deliveryTag, id, to, v);
                  }
                });
          };
      server.basicConsume(client.requests, false, onRequest, tag -> {});
    }

    /** Publishes a reply without waiting; its confirm acks the request. */
    private void reply(long deliveryTag, String id, String to, byte[] value) {
      AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().correlationId(id).build();
      synchronized (serverPub) {
        long n = serverPub.getNextPublishSeqNo();
        unconfirmed.put(n, deliveryTag);
        try {
          serverPub.basicPublish("", to, p, value);
        } catch (IOException | RuntimeException e) {
          unconfirmed.remove(n);
          settleOne(deliveryTag, false);
        }
      }
    }

    /** The broker confirmed (or refused) replies up to {@code seqNo}: acks (or requeues) them. */
    private void settle(long seqNo, boolean multiple, boolean ok) {
      if (multiple) {
        var done = unconfirmed.headMap(seqNo, true);
        for (Long deliveryTag : done.values()) {
          settleOne(deliveryTag, ok);
        }
        done.clear();
      } else {
        Long deliveryTag = unconfirmed.remove(seqNo);
        if (deliveryTag != null) {
          settleOne(deliveryTag, ok);
        }
      }
    }

    private void settleOne(long deliveryTag, boolean ok) {
      synchronized (server) {
        try {
          if (ok) {
            server.basicAck(deliveryTag, false);
            acked.incrementAndGet();
          } else {
            server.basicNack(deliveryTag, false, true);
          }
        } catch (IOException | RuntimeException e) {
          // the channel is closed: the request goes back to the broker by itself
        }
      }
    }

    long acked() {
      return acked.get();
    }

    CompletableFuture<byte[]> call() throws Exception {
      return client.call();
    }

    void close() throws Exception {
      client.close();
      serverPub.close();
      server.close();
    }
  }

  /**
   * A ratio as "2.50×", or "–" where there is none (the peer's figure is zero: two raw peers have
   * no worker JVM).
   */
  private static String times(double ratio) {
    return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f×", ratio) : "–";
  }
}
