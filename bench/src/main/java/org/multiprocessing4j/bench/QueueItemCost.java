package org.multiprocessing4j.bench;

import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of one item on the shared-memory queues, in one JVM: {@code ProcessQueue(10000)}, {@code
 * SimpleQueue} and a raw Agrona {@link OneToOneRingBuffer} over a file in {@code /dev/shm} (the
 * same kind of mapped memory), for an {@code Integer} and an 8-byte {@code byte[]}.
 *
 * <ul>
 *   <li>{@code *Batch}: one thread puts {@link #BATCH} items, then takes them, so that the time per
 *       operation is a put plus a get with every line in this core's cache: the cost when the
 *       producer and consumer processes rarely run at the same moment (two shared cores).
 *   <li>{@code *Spsc} groups: a producer thread and a consumer thread, both spinning (non-blocking
 *       {@code offer}/{@code poll}), the lines moving between cores; {@code empty}/{@code full}
 *       count failed attempts.
 * </ul>
 *
 * <p>On a shared machine the wall-clock scores move with the load; {@link #main} measures the batch
 * loops in thread CPU time instead (the fastest of several slices), which the load moves far less.
 *
 * <pre>
 * ./mvnw -q -B -ntp -pl bench -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar org.openjdk.jmh.Main QueueItemCost
 * java ... -cp ... org.multiprocessing4j.bench.QueueItemCost [--slices 40] [--batches 200]
 * </pre>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--enable-native-access=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"
    })
public class QueueItemCost {

  /** Items put, then taken, per invocation of a batch benchmark. */
  static final int BATCH = 1000;

  /** What is queued: {@code int} (an Integer) or {@code bytes8} (an 8-byte {@code byte[]}). */
  @Param({"int", "bytes8"})
  public String item = "int";

  private @org.jspecify.annotations.Nullable MultiprocessingContext ctx;
  private ProcessQueue<Object> queue = nullQueue();
  private SimpleQueue<Object> simple = nullSimple();
  private OneToOneRingBuffer agrona = nullRing();
  private @org.jspecify.annotations.Nullable MappedByteBuffer mapped;
  private @org.jspecify.annotations.Nullable Path file;
  private final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
  private int length;

  @SuppressWarnings("NullAway") // replaced in setup(), before any benchmark method runs
  private static <T> ProcessQueue<T> nullQueue() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static <T> SimpleQueue<T> nullSimple() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static OneToOneRingBuffer nullRing() {
    return null;
  }

  @Setup(Level.Trial)
  public void setup() throws java.io.IOException {
    MultiprocessingContext c = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    ctx = c;
    queue = c.queue(10_000);
    simple = c.simpleQueue();
    Path f = Files.createTempFile(Path.of("/dev/shm"), "mp4j-bench-agrona-", ".ring");
    Files.delete(f); // mapNewFile creates it
    file = f;
    MappedByteBuffer m =
        IoUtil.mapNewFile(f.toFile(), AgronaRing.RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH);
    mapped = m;
    agrona = new OneToOneRingBuffer(new UnsafeBuffer(m));
    boolean ints = item.equals("int");
    length = ints ? 4 : 8;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws java.io.IOException {
    if (mapped != null) {
      IoUtil.unmap(mapped);
    }
    if (file != null) {
      Files.deleteIfExists(file);
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  /** Fresh items each batch, as a producer would make them (an Integer above the cache). */
  private Object item(int i) {
    return length == 4 ? (Object) (i + 1000) : new byte[8];
  }

  // ------------------------------------------------------------------- one thread, put then take

  @Benchmark
  @Group("queueBatch")
  @OperationsPerInvocation(BATCH)
  public void queueBatch(Blackhole bh) throws InterruptedException {
    for (int i = 0; i < BATCH; i++) {
      queue.put(item(i));
    }
    for (int i = 0; i < BATCH; i++) {
      bh.consume(queue.take());
    }
  }

  @Benchmark
  @Group("simpleBatch")
  @OperationsPerInvocation(BATCH)
  public void simpleBatch(Blackhole bh) throws InterruptedException {
    for (int i = 0; i < BATCH; i++) {
      simple.put(item(i));
    }
    for (int i = 0; i < BATCH; i++) {
      bh.consume(simple.get());
    }
  }

  @Benchmark
  @Group("agronaBatch")
  @OperationsPerInvocation(BATCH)
  public void agronaBatch(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      message.putInt(0, i);
      if (!agrona.write(1, message, 0, length)) {
        throw new IllegalStateException("agrona ring full");
      }
    }
    MessageHandler h = (type, buffer, index, len) -> bh.consume(buffer.getInt(index));
    int read = 0;
    while (read < BATCH) {
      read += agrona.read(h, BATCH - read);
    }
  }

  // ------------------------------------------------------------ a producer and a consumer thread

  /** Failed attempts of a spinning pair: the queue was empty or full. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Misses {
    public long empty;
    public long full;
  }

  private int next;

  @Benchmark
  @Group("queueSpsc")
  @GroupThreads(1)
  public void queuePut(Misses misses) {
    if (!queue.offer(item(next++ & 1023))) {
      misses.full++;
    }
  }

  @Benchmark
  @Group("queueSpsc")
  @GroupThreads(1)
  public void queueTake(Misses misses, Blackhole bh) {
    Object o = queue.poll();
    if (o == null) {
      misses.empty++;
    } else {
      bh.consume(o);
    }
  }

  @Benchmark
  @Group("agronaSpsc")
  @GroupThreads(1)
  public void agronaPut(Misses misses) {
    message.putInt(0, next++);
    if (!agrona.write(1, message, 0, length)) {
      misses.full++;
    }
  }

  @Benchmark
  @Group("agronaSpsc")
  @GroupThreads(1)
  public void agronaTake(Misses misses, Blackhole bh) {
    if (agrona.read((type, buffer, index, len) -> bh.consume(buffer.getInt(index)), 1) == 0) {
      misses.empty++;
    }
  }

  // ---------------------------------------------------------------------------- thread CPU time

  /**
   * Runs each batch benchmark for {@code --slices} slices of {@code --batches} batches and prints
   * the thread CPU time per item (put plus get): the fastest slice and the median.
   */
  public static void main(String[] args) throws Exception {
    java.util.Map<String, String> opts = Report.options(args);
    int slices = Integer.parseInt(opts.getOrDefault("slices", "40"));
    int batches = Integer.parseInt(opts.getOrDefault("batches", "200"));
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    Blackhole bh =
        new Blackhole(
            "Today's password is swordfish. I understand instantiating Blackholes directly is"
                + " dangerous.");
    System.out.printf("%-8s %-7s %12s %12s%n", "queue", "item", "min ns/item", "median");
    for (String kind : new String[] {"int", "bytes8"}) {
      QueueItemCost b = new QueueItemCost();
      b.item = kind;
      b.setup();
      try {
        for (String q : new String[] {"queue", "simple", "agrona"}) {
          double[] perItem = new double[slices];
          for (int s = -slices / 2; s < slices; s++) { // the first half-run warms up
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < batches; i++) {
              switch (q) {
                case "queue" -> b.queueBatch(bh);
                case "simple" -> b.simpleBatch(bh);
                default -> b.agronaBatch(bh);
              }
            }
            if (s >= 0) {
              perItem[s] = (mx.getCurrentThreadCpuTime() - t0) / (double) batches / BATCH;
            }
          }
          java.util.Arrays.sort(perItem);
          System.out.printf("%-8s %-7s %12.1f %12.1f%n", q, kind, perItem[0], perItem[slices / 2]);
        }
      } finally {
        b.tearDown();
      }
    }
    bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
  }
}
