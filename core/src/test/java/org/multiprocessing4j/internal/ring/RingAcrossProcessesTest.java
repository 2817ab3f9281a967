package org.multiprocessing4j.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.sync.BiasedLock;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * The ring between real JVMs: several producer and consumer processes with checksummed records
 * (nothing lost, nothing duplicated, nothing corrupted, producer order kept), and processes killed
 * while they hold the put or take lock.
 */
@ExtendWith(ShmCleanup.class)
class RingAcrossProcessesTest {

  static final Duration CHILD_BOUND = Duration.ofMinutes(2);
  static final long BOUND_NANOS = CHILD_BOUND.toNanos();

  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  /**
   * Items per producer in the stress run; {@code -Dmp4j.stress.perProducer=1000000} makes it a run
   * of millions (minutes on two cores).
   */
  static final int PER_PRODUCER = Integer.getInteger("mp4j.stress.perProducer", 30_000);

  /** Record type of the items. */
  static final int ITEM = 0;

  /** Record type that tells a consumer to stop. */
  static final int STOP = 1;

  // Results segment: one 64-byte slot per consumer, then a bitmap of (producer, seq).
  static final long RECEIVED = 0;
  static final long DUPLICATES = 8;
  static final long OUT_OF_ORDER = 16;
  static final long CORRUPT = 24;
  static final long LAST_SEQ = 32;
  static final long BITMAP = 4096;

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  MpmcRingBuffer ring(long capacity) {
    SharedSegment s = owner.create("r", RingLayout.segmentSize(capacity));
    return MpmcRingBuffer.create(s, capacity, 0, 0);
  }

  /** An item: producer id, sequence number, random filler, CRC32 of all that. */
  static byte[] item(int producer, int seq, int length, Random random) {
    byte[] b = new byte[Math.max(length, 16)];
    random.nextBytes(b);
    MemorySegment m = MemorySegment.ofArray(b);
    m.set(ValueLayout.JAVA_INT_UNALIGNED, 0, producer);
    m.set(ValueLayout.JAVA_INT_UNALIGNED, 4, seq);
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    m.set(ValueLayout.JAVA_LONG_UNALIGNED, b.length - 8, crc.getValue());
    return b;
  }

  static boolean intact(byte[] b) {
    if (b.length < 16) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    return crc.getValue()
        == MemorySegment.ofArray(b).get(ValueLayout.JAVA_LONG_UNALIGNED, b.length - 8);
  }

  static int producerOf(byte[] b) {
    return MemorySegment.ofArray(b).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
  }

  static int seqOf(byte[] b) {
    return MemorySegment.ofArray(b).get(ValueLayout.JAVA_INT_UNALIGNED, 4);
  }

  static final MpmcRingBuffer.RecordReader<MpmcRingBufferTest.Rec> READER =
      MpmcRingBufferTest.READER;

  /** Mostly small items, some past the inline limit of a 4 KiB ring, a few of 100 KB. */
  static int randomLength(Random random) {
    int r = random.nextInt(1000);
    return r < 900 ? 16 + random.nextInt(300) : r < 995 ? 300 + random.nextInt(1500) : 100_000;
  }

  static void produce(String ring, Integer id, Integer count) throws Exception {
    MpmcRingBuffer r = MpmcRingBuffer.attach(SharedSegment.attach(ring));
    Random random = new Random(id);
    for (int i = 0; i < count; i++) {
      byte[] b = item(id, i, randomLength(random), random);
      if (!r.offer(ITEM, MemorySegment.ofArray(b), BOUND_NANOS, true)) {
        throw new AssertionError("offer timed out at " + i);
      }
    }
  }

  static void consume(String ring, String results, Integer slot, Integer perProducer)
      throws Exception {
    MpmcRingBuffer r = MpmcRingBuffer.attach(SharedSegment.attach(ring));
    MemorySegment res = SharedSegment.attach(results).memory();
    long base = 64L * slot;
    int[] last = new int[16];
    java.util.Arrays.fill(last, -1);
    while (true) {
      MpmcRingBufferTest.Rec rec = Objects.requireNonNull(r.poll(READER, Waiting.FOREVER, true));
      if (rec.type() == STOP) {
        return;
      }
      byte[] b = rec.bytes();
      LONG.getAndAdd(res, base + RECEIVED, 1L);
      if (!intact(b)) {
        LONG.getAndAdd(res, base + CORRUPT, 1L);
        continue;
      }
      int p = producerOf(b);
      int seq = seqOf(b);
      if (seq <= last[p]) {
        LONG.getAndAdd(res, base + OUT_OF_ORDER, 1L);
      }
      last[p] = seq;
      long bit = (long) p * perProducer + seq;
      long word = BITMAP + (bit >>> 6) * 8;
      long old = (long) LONG.getAndBitwiseOr(res, word, 1L << (bit & 63));
      if ((old & (1L << (bit & 63))) != 0) {
        LONG.getAndAdd(res, base + DUPLICATES, 1L);
      }
    }
  }

  @Test
  void stress_threeProducersTwoConsumers_exactlyOnceIntactInProducerOrder() throws Exception {
    int producers = 3;
    int perProducer = PER_PRODUCER;
    int consumers = 2;
    MpmcRingBuffer r = ring(4096);
    SharedSegment results = owner.create("res", BITMAP + producers * perProducer / 8 + 64);
    String ringName = r.name();
    String resultsName = results.name();
    List<JvmProcess> consumerProcs = new ArrayList<>();
    for (int c = 0; c < consumers; c++) {
      int slot = c;
      consumerProcs.add(new JvmProcess(() -> consume(ringName, resultsName, slot, perProducer)));
    }
    consumerProcs.forEach(JvmProcess::start);
    List<JvmProcess> producerProcs = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      producerProcs.add(new JvmProcess(() -> produce(ringName, id, perProducer)).start());
    }
    for (JvmProcess p : producerProcs) {
      assertThat(p.join(CHILD_BOUND)).isTrue();
      assertThat(p.exitCode()).hasValue(0);
    }
    for (int c = 0; c < consumers; c++) {
      r.offer(STOP, MemorySegment.ofArray(new byte[0]), BOUND_NANOS, true);
    }
    for (JvmProcess c : consumerProcs) {
      assertThat(c.join(CHILD_BOUND)).isTrue();
      assertThat(c.exitCode()).hasValue(0);
    }
    MemorySegment res = results.memory();
    long received = 0;
    for (int c = 0; c < consumers; c++) {
      long base = 64L * c;
      assertThat((long) LONG.getVolatile(res, base + CORRUPT)).as("corrupt").isZero();
      assertThat((long) LONG.getVolatile(res, base + DUPLICATES)).as("duplicates").isZero();
      assertThat((long) LONG.getVolatile(res, base + OUT_OF_ORDER)).as("out of order").isZero();
      received += (long) LONG.getVolatile(res, base + RECEIVED);
    }
    assertThat(received).isEqualTo((long) producers * perProducer);
    for (long bit = 0; bit < (long) producers * perProducer; bit++) {
      long word = (long) LONG.getVolatile(res, BITMAP + (bit >>> 6) * 8);
      if ((word & (1L << (bit & 63))) == 0) {
        throw new AssertionError("item " + bit + " never arrived");
      }
    }
    assertThat(r.isEmpty()).isTrue();
  }

  // ------------------------------------------------------------------------ killed mid-operation

  static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + signal + " " + pid + " failed");
    }
  }

  static boolean stopped(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    char state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state == 'T' || state == 't';
  }

  /**
   * Stops {@code child} at a moment when it holds the lock at {@code lockOffset}, then kills it.
   * Retries until the stop lands inside the critical section.
   */
  static void killWhileHolding(JvmProcess child, MemorySegment ring, long lockOffset)
      throws Exception {
    // A BiasedLock's holder: the process holding its inner lock, or its biased thread's while
    // inside.
    BiasedLock lock = new BiasedLock(ring, lockOffset, "probe-" + lockOffset);
    long deadline = System.nanoTime() + BOUND_NANOS;
    while (System.nanoTime() < deadline) {
      signal("STOP", child.pid());
      await().atMost(CHILD_BOUND).until(() -> stopped(child.pid()));
      if (lock.holderPid() == child.pid()) {
        // Killed while holding it. A contender of this process (a producer waiting for room
        // takes the take lock over after a slice) may recover it at once, so its holder is not
        // asserted after the kill: what the caller checks is what the repair left.
        child.kill();
        assertThat(child.join(CHILD_BOUND)).isTrue();
        return;
      }
      signal("CONT", child.pid());
      Thread.onSpinWait();
    }
    throw new AssertionError("never caught the child holding the lock");
  }

  /** An item of {@code length} bytes with a fixed filler: cheap to make, slow to copy. */
  static byte[] bigItem(int seq, byte[] filler) {
    byte[] b = filler.clone();
    MemorySegment m = MemorySegment.ofArray(b);
    m.set(ValueLayout.JAVA_INT_UNALIGNED, 4, seq);
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    m.set(ValueLayout.JAVA_LONG_UNALIGNED, b.length - 8, crc.getValue());
    return b;
  }

  static void produceForever(String ring) throws Exception {
    MpmcRingBuffer r = MpmcRingBuffer.attach(SharedSegment.attach(ring));
    // At the inline limit, so that much of the time goes into copying under the lock.
    byte[] filler = new byte[(int) r.maxInlinePayload()];
    new Random(7).nextBytes(filler);
    for (int i = 0; ; i++) {
      r.offer(ITEM, MemorySegment.ofArray(bigItem(i, filler)), Waiting.FOREVER, true);
    }
  }

  /**
   * Polls until {@code stop} is set, so that producers never block, keeping only each item's
   * sequence number, or -1 for an item that is not intact.
   */
  static Thread drainer(MpmcRingBuffer r, List<Integer> seqs, AtomicBoolean stop) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                while (!stop.get()) {
                  MpmcRingBufferTest.Rec rec = r.poll(READER, 10_000_000L, true);
                  if (rec != null) {
                    seqs.add(intact(rec.bytes()) ? seqOf(rec.bytes()) : -1);
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  @Test
  void producerKilledHoldingPutLock_noTornItem_nothingMissing_ringUsable() throws Exception {
    MpmcRingBuffer r = ring(1 << 16);
    List<Integer> seqs = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    Thread drainer = drainer(r, seqs, stop);
    JvmProcess producer = new JvmProcess(RingAcrossProcessesTest::produceForever, r.name());
    producer.start();
    await().atMost(CHILD_BOUND).until(() -> seqs.size() > 10);
    killWhileHolding(producer, r.memory(), RingLayout.PUT_LOCK);
    stop.set(true);
    drainer.join(CHILD_BOUND.toMillis());
    List<Integer> all = new ArrayList<>(seqs);
    MpmcRingBufferTest.Rec rec;
    while ((rec = r.poll(READER, 0, true)) != null) { // takes the take lock only
      all.add(intact(rec.bytes()) ? seqOf(rec.bytes()) : -1);
    }
    for (int i = 0; i < all.size(); i++) {
      assertThat(all.get(i)).as("item %d: intact (not -1) and in order", i).isEqualTo(i);
    }
    assertThat(r.size()).isZero();
    // The dead producer's put lock is taken over and the ring works for the living.
    byte[] next = item(1, 0, 100, new Random(1));
    assertThat(r.offer(ITEM, MemorySegment.ofArray(next), BOUND_NANOS, true)).isTrue();
    assertThat(Objects.requireNonNull(r.poll(READER, 0, true)).bytes()).isEqualTo(next);
    assertThat(r.size()).isZero();
    assertThat(r.isEmpty()).isTrue();
  }

  static void consumeReporting(String ring, String results) throws Exception {
    MpmcRingBuffer r = MpmcRingBuffer.attach(SharedSegment.attach(ring));
    MemorySegment res = SharedSegment.attach(results).memory();
    while (true) {
      MpmcRingBufferTest.Rec rec = Objects.requireNonNull(r.poll(READER, Waiting.FOREVER, true));
      LONG.setRelease(res, LAST_SEQ, (long) seqOf(rec.bytes()));
    }
  }

  @Test
  void consumerKilledHoldingTakeLock_itemNotTakenStays_ringUsable() throws Exception {
    MpmcRingBuffer r = ring(1 << 16);
    SharedSegment results = owner.create("res", 4096);
    LONG.setRelease(results.memory(), LAST_SEQ, -1L);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger produced = new AtomicInteger();
    byte[] filler = new byte[(int) r.maxInlinePayload()];
    new Random(5).nextBytes(filler);
    Thread feeder =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    while (!stop.get()) {
                      byte[] b = bigItem(produced.get(), filler);
                      if (r.offer(ITEM, MemorySegment.ofArray(b), 10_000_000L, true)) {
                        produced.incrementAndGet();
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    JvmProcess consumer =
        new JvmProcess(RingAcrossProcessesTest::consumeReporting, r.name(), results.name());
    consumer.start();
    await()
        .atMost(CHILD_BOUND)
        .until(() -> (long) LONG.getAcquire(results.memory(), LAST_SEQ) > 10);
    killWhileHolding(consumer, r.memory(), RingLayout.TAKE_LOCK);
    // It was inside poll(n+1) with n reported: item n+1 is either still here (killed before its
    // HEAD store) or went with it (killed after).
    long lastReported = (long) LONG.getAcquire(results.memory(), LAST_SEQ);
    stop.set(true);
    feeder.join(CHILD_BOUND.toMillis());
    long first = -1;
    long expected = -1;
    MpmcRingBufferTest.Rec rec;
    while ((rec = r.poll(READER, 0, true)) != null) {
      assertThat(intact(rec.bytes())).isTrue();
      int seq = seqOf(rec.bytes());
      if (first < 0) {
        first = seq;
        expected = seq;
      }
      assertThat(seq).isEqualTo(expected++);
    }
    assertThat(first).isBetween(lastReported + 1, lastReported + 2);
    assertThat(expected).isEqualTo(produced.get());
    assertThat(r.size()).isZero();
    assertThat(r.offer(ITEM, MemorySegment.ofArray(new byte[] {1}), 0, true)).isTrue();
    assertThat(Objects.requireNonNull(r.poll(READER, 0, true)).bytes()).containsExactly(1);
  }
}
