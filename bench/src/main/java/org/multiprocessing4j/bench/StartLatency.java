package org.multiprocessing4j.bench;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.internal.spawn.AotCache;
import org.multiprocessing4j.internal.spawn.WarmSpares;

/**
 * Whole-process benchmark of child start latency: {@link JvmProcess} in its start modes, a bare JVM
 * as the floor, and Python's {@code multiprocessing} (fork, forkserver, spawn) as the peer, all in
 * the same run.
 *
 * <p>Three times are measured by the parent, each from just before {@code start()}:
 *
 * <ul>
 *   <li><b>start() returns</b>: when the call returned;
 *   <li><b>start → running</b>: when the child's target had run its first statement, which opens a
 *       FIFO and writes one byte to it; a thread of the parent blocked reading that FIFO takes the
 *       time when the byte arrives, so no clock of another process is compared with ours;
 *   <li><b>start + join</b>: when {@code join()} returned after that (next to nothing) target.
 * </ul>
 *
 * <p>A round starts {@code --warmup} unmeasured then {@code --runs} measured processes in each
 * mode, one process at a time, the modes interleaved (one process of each mode in turn), so that a
 * change in the machine's load during the round weighs on every mode alike. The whole is repeated
 * {@code --rounds} times, and the table shows, for each figure, the median over the rounds of that
 * round's p50 (or p90). Ratios compare start + join p50 with Python's. Work that the library does
 * in the background is kept out of every sample: the AOT cache is made before the first round, and
 * before each sample (of any mode) the spare JVMs must be ready and left alone for {@value
 * #SPARE_SETTLE_MILLIS} ms. The machine's load average is printed before and after.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * java -jar bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar [--runs 30] [--warmup 5]
 *     [--rounds 3] [--python python3] [--modes hello,cold,aot,spare,preload,fork,forkserver,spawn]
 * </pre>
 */
public final class StartLatency {

  private static final long SAMPLE_TIMEOUT_SECONDS = 120;

  /** How long a spare JVM is left alone after it connected, before a measured start. */
  static final long SPARE_SETTLE_MILLIS = 250;

  /** One started process, in milliseconds from just before start(). */
  record Sample(double startMs, double runningMs, double joinMs) {}

  /** One way of starting a child. */
  interface Mode {
    /** Returns the row label. */
    String label();

    /** Starts one process and returns its times. */
    Sample one() throws Exception;
  }

  private StartLatency() {}

  /**
   * Runs the benchmark and prints a Markdown table.
   *
   * @param args {@code --runs N}, {@code --warmup N}, {@code --rounds N}, {@code --python EXE},
   *     {@code --modes a,b,...}
   * @throws Exception if a measured process fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    int runs = Integer.parseInt(opts.getOrDefault("runs", "30"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "5"));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    String python = opts.getOrDefault("python", "python3");
    List<String> wanted =
        List.of(
            opts.getOrDefault("modes", "hello,cold,aot,spare,preload,fork,forkserver,spawn")
                .split(",", -1));

    Path dir = Files.createTempDirectory("mp4j-bench-");
    Map<String, Mode> modes = new LinkedHashMap<>();
    try {
      Path fifo = dir.resolve("running.fifo");
      mkfifo(fifo);
      Path script = dir.resolve("start_latency.py");
      try (InputStream in =
          Objects.requireNonNull(
              StartLatency.class.getResourceAsStream("start_latency.py"), "start_latency.py")) {
        Files.copy(in, script);
      }
      @Nullable String pythonVersion = pythonVersion(python);

      for (String m : wanted) {
        Mode mode = mode(m.strip(), fifo, python, script, pythonVersion);
        if (mode != null) {
          modes.put(m.strip(), mode);
        }
      }

      System.out.printf(
          Locale.ROOT,
          "Child start latency, %s: %d cores, %s %s, Java %s (%s), %s; %d rounds of %d runs after"
              + " %d warm-ups%n%n",
          LocalDate.now(ZoneOffset.UTC),
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("os.name"),
          System.getProperty("os.version"),
          System.getProperty("java.vm.version"),
          System.getProperty("java.vm.name"),
          pythonVersion == null ? "no Python" : pythonVersion,
          rounds,
          runs,
          warmup);

      System.out.println("load average before: " + loadAverage());
      prepare(modes);
      Map<String, List<Stats>> results = new LinkedHashMap<>();
      for (int r = 0; r < rounds; r++) {
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (int i = 0; i < warmup + runs; i++) {
          for (Map.Entry<String, Mode> e : modes.entrySet()) {
            settle(modes);
            Sample sample = e.getValue().one();
            if (i >= warmup) {
              samples.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(sample);
            }
          }
        }
        for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
          Stats s = Stats.of(e.getValue());
          results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(s);
          System.err.printf(
              Locale.ROOT,
              "round %d %-10s start %7.1f  running p50 %7.1f p90 %7.1f  join p50 %7.1f p90 %7.1f%n",
              r + 1,
              e.getKey(),
              s.start50,
              s.running50,
              s.running90,
              s.join50,
              s.join90);
        }
      }
      print(modes, results);
      System.out.println("load average after: " + loadAverage());
    } finally {
      for (Mode m : modes.values()) {
        if (m instanceof AutoCloseable c) {
          c.close();
        }
      }
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static @Nullable Mode mode(
      String name, Path fifo, String python, Path script, @Nullable String pythonVersion)
      throws IOException {
    return switch (name) {
      case "hello" -> new HelloMode(fifo);
      case "cold" ->
          new ProcessMode(
              "JvmProcess, cold, no AOT cache",
              ProcessOptions.builder().aotCache(false).build(),
              fifo);
      case "aot" ->
          new ProcessMode(
              "JvmProcess, cold, AOT cache (default)",
              ProcessOptions.builder().aotCache(true).build(),
              fifo);
      case "spare" ->
          new ProcessMode(
              "JvmProcess, warm spare ready", ProcessOptions.builder().warmSpares(1).build(), fifo);
      case "preload" ->
          new ProcessMode(
              "JvmProcess, warm spare ready, target class preloaded",
              ProcessOptions.builder()
                  .warmSpares(1)
                  // The class that holds the method reference, and the class of the method.
                  .preload(ProcessMode.class.getName(), Targets.class.getName())
                  .build(),
              fifo);
      case "fork", "forkserver", "spawn" ->
          pythonVersion == null ? null : new PythonMode(name, PythonPeer.get(python, script, fifo));
      default -> throw new IllegalArgumentException("unknown mode " + name);
    };
  }

  /**
   * Starts one process of each JvmProcess mode, which makes the AOT cache and the spares, and waits
   * for that work to end, so that no sample pays for it.
   */
  private static void prepare(Map<String, Mode> modes) throws Exception {
    for (Mode m : modes.values()) {
      if (m instanceof ProcessMode) {
        m.one();
      }
    }
    if (!AotCache.awaitTrainings(Duration.ofMinutes(5))) {
      throw new IllegalStateException("the AOT cache training did not end within 5 minutes");
    }
  }

  /**
   * Waits until the spare JVMs are ready, then lets them finish their own start-up work (the JIT
   * compiling what their warm-up ran) so that it does not compete with the measured start.
   */
  private static void settle(Map<String, Mode> modes) throws InterruptedException {
    if (modes.containsKey("spare") || modes.containsKey("preload")) {
      if (!WarmSpares.awaitFull(Duration.ofMinutes(1))) {
        throw new IllegalStateException("no spare JVM became ready within a minute");
      }
      Thread.sleep(SPARE_SETTLE_MILLIS);
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  // ------------------------------------------------------------------------------------- output

  /** p50 and p90 of one round of one mode. */
  record Stats(double start50, double running50, double running90, double join50, double join90) {
    static Stats of(List<Sample> samples) {
      double[] start = samples.stream().mapToDouble(Sample::startMs).toArray();
      double[] running = samples.stream().mapToDouble(Sample::runningMs).toArray();
      double[] join = samples.stream().mapToDouble(Sample::joinMs).toArray();
      return new Stats(
          percentile(start, 50),
          percentile(running, 50),
          percentile(running, 90),
          percentile(join, 50),
          percentile(join, 90));
    }
  }

  /** Nearest-rank percentile. */
  static double percentile(double[] values, int p) {
    double[] v = values.clone();
    Arrays.sort(v);
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, rank - 1)];
  }

  static double median(List<Double> values) {
    return percentile(values.stream().mapToDouble(Double::doubleValue).toArray(), 50);
  }

  private static void print(Map<String, Mode> modes, Map<String, List<Stats>> results) {
    Map<String, Stats> med = new LinkedHashMap<>();
    results.forEach(
        (k, list) ->
            med.put(
                k,
                new Stats(
                    median(list.stream().map(Stats::start50).toList()),
                    median(list.stream().map(Stats::running50).toList()),
                    median(list.stream().map(Stats::running90).toList()),
                    median(list.stream().map(Stats::join50).toList()),
                    median(list.stream().map(Stats::join90).toList()))));
    @Nullable Stats spawn = med.get("spawn");
    @Nullable Stats fork = med.get("fork");
    System.out.println(
        "| mode | start() returns p50 | start → running p50 | p90 | start + join p50 | p90"
            + " | ÷ Python spawn | ÷ Python fork |");
    System.out.println("|---|--:|--:|--:|--:|--:|--:|--:|");
    med.forEach(
        (k, s) ->
            System.out.printf(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f | %.1f | %.1f | %s | %s |%n",
                modes.get(k) == null ? k : Objects.requireNonNull(modes.get(k)).label(),
                Double.isNaN(s.start50) ? "–" : String.format(Locale.ROOT, "%.1f", s.start50),
                s.running50,
                s.running90,
                s.join50,
                s.join90,
                ratio(s, spawn),
                ratio(s, fork)));
    System.out.println();
    System.out.println("Times in ms from just before start(); ratios of start + join p50.");
  }

  private static String ratio(Stats s, @Nullable Stats peer) {
    return peer == null ? "–" : String.format(Locale.ROOT, "%.2f", s.join50 / peer.join50);
  }

  // -------------------------------------------------------------------------------------- modes

  /** A bare JVM: {@code java -cp <ours> Hello <fifo>}. */
  static final class HelloMode implements Mode {
    private final Path fifo;

    HelloMode(Path fifo) {
      this.fifo = fifo;
    }

    @Override
    public String label() {
      return "bare JVM, `java -cp … Hello` (floor)";
    }

    @Override
    public Sample one() throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  Hello.class.getName(),
                  fifo.toString())
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      Arrival arrival = new Arrival(fifo);
      long t0 = System.nanoTime();
      Process p = pb.start();
      long t1 = System.nanoTime();
      int code = p.waitFor();
      long t2 = System.nanoTime();
      long running = arrival.await();
      if (code != 0) {
        throw new IllegalStateException("Hello exited with " + code);
      }
      return new Sample(ms(t1 - t0), ms(running - t0), ms(t2 - t0));
    }
  }

  /** {@link JvmProcess} with given options. */
  static final class ProcessMode implements Mode {
    private final String label;
    private final ProcessOptions options;
    private final Path fifo;

    ProcessMode(String label, ProcessOptions options, Path fifo) {
      this.label = label;
      this.options = options;
      this.fifo = fifo;
    }

    @Override
    public String label() {
      return label;
    }

    @Override
    public Sample one() throws Exception {
      Arrival arrival = new Arrival(fifo);
      JvmProcess p = new JvmProcess(Targets::signal, fifo.toString());
      p.setOptions(options);
      long t0 = System.nanoTime();
      p.start();
      long t1 = System.nanoTime();
      p.join();
      long t2 = System.nanoTime();
      long running = arrival.await();
      if (p.exitCode().orElse(-1) != 0) {
        throw new IllegalStateException(p + " failed: " + p.failure());
      }
      p.close();
      return new Sample(ms(t1 - t0), ms(running - t0), ms(t2 - t0));
    }
  }

  /** One Python process that starts children on request, shared by the Python modes. */
  static final class PythonPeer implements AutoCloseable {
    private static @Nullable PythonPeer instance;

    private final Process process;
    private final BufferedReader out;

    private PythonPeer(String python, Path script, Path fifo) throws IOException {
      process =
          new ProcessBuilder(python, script.toString(), fifo.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static synchronized PythonPeer get(String python, Path script, Path fifo) throws IOException {
      PythonPeer p = instance;
      if (p == null) {
        p = new PythonPeer(python, script, fifo);
        instance = p;
      }
      return p;
    }

    synchronized Sample one(String method) throws IOException {
      process.getOutputStream().write((method + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
      String line = out.readLine();
      if (line == null) {
        throw new IOException("the Python peer ended; its error output is above");
      }
      String[] f = line.strip().split(" ", -1);
      return new Sample(
          Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
    }

    @Override
    public synchronized void close() throws IOException {
      process.getOutputStream().close();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Python's multiprocessing with one start method. */
  static final class PythonMode implements Mode, AutoCloseable {
    private final String method;
    private final PythonPeer peer;

    PythonMode(String method, PythonPeer peer) {
      this.method = method;
      this.peer = peer;
    }

    @Override
    public String label() {
      return "Python `multiprocessing`, " + method;
    }

    @Override
    public Sample one() throws IOException {
      return peer.one(method);
    }

    @Override
    public void close() throws IOException {
      peer.close(); // the modes share the peer; closing an ended peer does nothing
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  /** Waits on a thread of its own for the byte a child writes into the FIFO. */
  static final class Arrival {
    private final Path fifo;
    private final CompletableFuture<Long> at = new CompletableFuture<>();

    Arrival(Path fifo) {
      this.fifo = fifo;
      Thread.ofPlatform()
          .daemon()
          .name("bench-fifo")
          .start(
              () -> {
                // Opening blocks until the child opens its end for writing.
                try (FileInputStream in = new FileInputStream(fifo.toFile())) {
                  if (in.read() < 0) {
                    throw new IOException("the child closed the FIFO without writing");
                  }
                  at.complete(System.nanoTime());
                } catch (IOException | RuntimeException e) {
                  at.completeExceptionally(e);
                }
              });
    }

    long await() throws InterruptedException, IOException {
      try {
        return at.get(SAMPLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // Unblock our reader so that it does not steal the next child's byte.
        try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
          out.write('!');
        }
        throw new IOException("the child never signalled on " + fifo, e);
      } catch (ExecutionException e) {
        throw new IOException("reading " + fifo, e.getCause());
      }
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void mkfifo(Path fifo) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("mkfifo " + fifo + " failed; this benchmark needs Linux or macOS");
    }
  }

  private static @Nullable String pythonVersion(String python) {
    try {
      Process p = new ProcessBuilder(python, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      System.err.println("no Python (" + python + "): " + e.getMessage() + "; skipping its modes");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "usage: StartLatency [--runs N] [--warmup N] [--rounds N] [--python EXE]"
                + " [--modes hello,cold,aot,spare,preload,fork,forkserver,spawn]; got "
                + a);
      }
      opts.put(a.substring(2), args[++i]);
    }
    return opts;
  }
}
