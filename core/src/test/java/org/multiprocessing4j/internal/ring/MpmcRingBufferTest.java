package org.multiprocessing4j.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.os.EndedProcesses;
import org.multiprocessing4j.internal.shm.SegmentGoneException;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.shm.ShmDirectory;
import org.multiprocessing4j.internal.sync.Waiting;

/** The ring within one JVM: FIFO, wrap-around, limits, timeouts, overflow files, interrupts. */
@ExtendWith(ShmCleanup.class)
class MpmcRingBufferTest {

  static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** A record as read back. */
  @SuppressWarnings("ArrayRecordComponent") // a test value; equality is not used
  record Rec(int type, byte[] bytes) {}

  static final MpmcRingBuffer.RecordReader<Rec> READER =
      (type, m, off, len) -> {
        byte[] b = new byte[(int) len];
        MemorySegment.copy(m, ValueLayout.JAVA_BYTE, off, b, 0, (int) len);
        return new Rec(type, b);
      };

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  MpmcRingBuffer ring(long capacity, long maxItems, long overflowBudget) {
    SharedSegment s = owner.create("r", RingLayout.segmentSize(capacity));
    return MpmcRingBuffer.create(s, capacity, maxItems, overflowBudget);
  }

  static byte[] bytes(int length, int seed) {
    byte[] b = new byte[length];
    new Random(seed).nextBytes(b);
    return b;
  }

  static boolean offerNow(MpmcRingBuffer r, int type, byte[] b) throws InterruptedException {
    return r.offer(type, MemorySegment.ofArray(b), 0, true);
  }

  static Rec pollNow(MpmcRingBuffer r) throws InterruptedException {
    return Objects.requireNonNull(r.poll(READER, 0, true), "empty");
  }

  @Test
  void offerThenPoll_manyRecordsOfMixedSizes_comeOutInOrderIntact() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    Random random = new Random(1);
    for (int i = 0; i < 20_000; i++) {
      int length = random.nextInt(200); // wraps the ring many times, with padding
      byte[] b = bytes(length, i);
      assertThat(offerNow(r, i % 7, b)).isTrue();
      if (random.nextInt(3) == 0) {
        assertThat(offerNow(r, 0, new byte[0])).isTrue();
        assertThat(pollNow(r).bytes()).isEqualTo(b);
        assertThat(pollNow(r).bytes()).isEmpty();
      } else {
        Rec rec = pollNow(r);
        assertThat(rec.type()).isEqualTo(i % 7);
        assertThat(rec.bytes()).isEqualTo(b);
      }
    }
    assertThat(r.isEmpty()).isTrue();
    assertThat(r.size()).isZero();
  }

  @Test
  void offer_ringOutOfBytes_returnsFalseAndKeepsEarlierRecords() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 0);
    int accepted = 0;
    while (offerNow(r, 0, bytes(100, accepted))) {
      accepted++;
    }
    assertThat(accepted).isEqualTo(1024 / 112); // 100 bytes + 8 header, aligned to 112
    assertThat(r.size()).isEqualTo(accepted);
    for (int i = 0; i < accepted; i++) {
      assertThat(pollNow(r).bytes()).isEqualTo(bytes(100, i));
    }
  }

  @Test
  void offer_maxItemsReached_returnsFalseUntilOneIsTaken() throws Exception {
    MpmcRingBuffer r = ring(4096, 3, 0);
    for (int i = 0; i < 3; i++) {
      assertThat(offerNow(r, 0, new byte[] {(byte) i})).isTrue();
    }
    assertThat(r.isFullByCount()).isTrue();
    assertThat(offerNow(r, 0, new byte[] {3})).isFalse();
    pollNow(r);
    assertThat(offerNow(r, 0, new byte[] {3})).isTrue();
    assertThat(r.size()).isEqualTo(3);
  }

  /**
   * A put blocked on a full ring returns as soon as one record is taken, whether items or bytes
   * bound the ring: a guard for any batching of a full producer's wake-ups, which may delay a
   * blocked put but must not make it wait for more room than one record.
   */
  @Test
  void offer_blockedOnFullRing_returnsOnceASingleItemIsTaken() throws Exception {
    for (MpmcRingBuffer r : List.of(ring(1 << 16, 1000, 0), ring(1 << 14, 0, 0))) {
      int held = 0;
      while (offerNow(r, 0, bytes(8, held))) {
        held++;
      }
      assertThat(held).isGreaterThan(100); // a batch would be more than the one slot freed below
      CountDownLatch foundFull = new CountDownLatch(1);
      AtomicReference<@Nullable Throwable> failed = new AtomicReference<>();
      Thread producer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      assertThat(offerNow(r, 1, new byte[] {7})).isFalse();
                      foundFull.countDown();
                      assertThat(
                              r.offer(
                                  1, MemorySegment.ofArray(new byte[] {7}), Waiting.FOREVER, true))
                          .isTrue();
                    } catch (Throwable t) {
                      failed.set(t);
                    }
                  });
      assertThat(foundFull.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(pollNow(r).bytes()).isEqualTo(bytes(8, 0)); // one slot, and no more, is freed
      producer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
      assertThat(producer.isAlive()).as("put still blocked with a free slot").isFalse();
      assertThat(failed.get()).isNull();
      assertThat(r.size()).isEqualTo(held);
      for (int i = 1; i < held; i++) {
        assertThat(pollNow(r).bytes()).isEqualTo(bytes(8, i));
      }
      assertThat(pollNow(r).bytes()).containsExactly(7);
      assertThat(r.isEmpty()).isTrue();
    }
  }

  @Test
  void offer_fullWithTimeout_waitsAtLeastTheTimeout() throws Exception {
    MpmcRingBuffer r = ring(4096, 1, 0);
    offerNow(r, 0, new byte[1]);
    long start = System.nanoTime();
    assertThat(r.offer(0, MemorySegment.ofArray(new byte[1]), 200_000_000L, true)).isFalse();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
  }

  @Test
  void poll_emptyWithTimeout_returnsNullAfterTheTimeout() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    long start = System.nanoTime();
    assertThat(r.poll(READER, 200_000_000L, true)).isNull();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
    assertThat(r.poll(READER, 0, false)).isNull();
  }

  @Test
  void poll_blockedThenOfferFromAnotherThread_receivesIt() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    AtomicReference<@Nullable Rec> got = new AtomicReference<>();
    Thread consumer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    got.set(r.poll(READER, BOUND_NANOS, true));
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    offerNow(r, 5, new byte[] {42});
    consumer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
    Rec rec = Objects.requireNonNull(got.get());
    assertThat(rec.type()).isEqualTo(5);
    assertThat(rec.bytes()).containsExactly(42);
  }

  @Test
  void poll_interruptedWhileWaiting_throwsAndRingStaysUsable() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
    Thread consumer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    r.poll(READER, Waiting.FOREVER, true);
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    consumer.interrupt();
    consumer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    offerNow(r, 0, new byte[] {1});
    assertThat(pollNow(r).bytes()).containsExactly(1);
  }

  @Test
  void offer_interruptedWhileWaitingForRoom_throwsAndAppendsNothing() throws Exception {
    MpmcRingBuffer r = ring(4096, 1, 0);
    offerNow(r, 0, new byte[] {1});
    AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
    Thread producer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    r.offer(0, MemorySegment.ofArray(new byte[] {2}), Waiting.FOREVER, true);
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    producer.interrupt();
    producer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(pollNow(r).bytes()).containsExactly(1);
    assertThat(r.poll(READER, 0, true)).isNull();
  }

  @Test
  void offer_itemsLargerThanTheRing_passThroughOverflowFilesWhichAreRemoved() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 0);
    int[] sizes = {1, 247, 248, 249, 1024, 100_000, 64 << 20};
    Thread consumer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int size : sizes) {
                      Rec rec = Objects.requireNonNull(r.poll(READER, BOUND_NANOS, true));
                      assertThat(rec.bytes()).hasSize(size);
                      assertThat(rec.bytes()).isEqualTo(bytes(size, size));
                    }
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                });
    for (int size : sizes) {
      assertThat(r.offer(1, MemorySegment.ofArray(bytes(size, size)), BOUND_NANOS, true)).isTrue();
    }
    consumer.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS));
    assertThat(consumer.isAlive()).isFalse();
    assertThat(r.isEmpty()).isTrue();
    assertThat(ShmDirectory.list(r.name() + ".x")).as("overflow files left").isEmpty();
  }

  @Test
  void offer_overflowBudgetSpent_waitsForTheConsumer() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 10_000);
    assertThat(offerNow(r, 0, bytes(6_000, 1))).isTrue();
    assertThat(offerNow(r, 0, bytes(6_000, 2))).as("over budget").isFalse();
    assertThat(ShmDirectory.list(r.name() + ".x")).hasSize(1);
    assertThat(offerNow(r, 0, bytes(100, 3))).as("inline items are not limited").isTrue();
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(6_000, 1));
    assertThat(offerNow(r, 0, bytes(20_000, 4))).as("alone, larger than the budget").isTrue();
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(100, 3));
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(20_000, 4));
  }

  /**
   * A producer in another process keeps its own mapping of the ring after the owning context
   * closed; a large item it puts then must not leave an overflow file that no one removes (the
   * owner's close and exit hook are past, and the sweep waits for the owner's process to end).
   */
  @Test
  void offer_largeItemAfterTheOwnerClosed_throwsAndLeavesNoFile() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 0);
    MpmcRingBuffer other = MpmcRingBuffer.attach(SharedSegment.attach(r.name())); // its own mapping
    String prefix = owner.prefix();
    owner.close();
    assertThatThrownBy(() -> offerNow(other, 0, bytes(5_000, 1)))
        .isInstanceOf(SegmentGoneException.class)
        .hasMessageContaining("context was closed");
    assertThat(ShmDirectory.list(prefix)).as("files of the closed context").isEmpty();
  }

  @Test
  void poll_overflowFileRemoved_throwsLostItemAndMovesOn() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 0);
    offerNow(r, 0, bytes(5_000, 1));
    offerNow(r, 0, new byte[] {7});
    for (var p : ShmDirectory.list(r.name() + ".x")) {
      java.nio.file.Files.delete(p);
    }
    assertThatThrownBy(() -> r.poll(READER, 0, true))
        .isInstanceOf(MpmcRingBuffer.LostItemException.class)
        .hasMessageContaining("5000 bytes");
    assertThat(pollNow(r).bytes()).containsExactly(7);
  }

  @Test
  void peekAndForEach_readWithoutRemoving() throws Exception {
    MpmcRingBuffer r = ring(1024, 0, 0);
    assertThat(r.peek(READER)).isNull();
    for (int i = 0; i < 5; i++) {
      offerNow(r, i, i == 3 ? bytes(2_000, i) : new byte[] {(byte) i});
    }
    assertThat(r.peek(READER)).isNotNull().extracting(Rec::type).isEqualTo(0);
    List<Integer> types = new ArrayList<>();
    r.forEach(READER, rec -> types.add(rec.type()));
    assertThat(types).containsExactly(0, 1, 2, 3, 4);
    assertThat(r.size()).isEqualTo(5);
  }

  @Test
  void attach_sameSegment_seesTheSameRing() throws Exception {
    MpmcRingBuffer r = ring(4096, 7, 0);
    offerNow(r, 3, new byte[] {9});
    MpmcRingBuffer other = MpmcRingBuffer.attach(SharedSegment.attach(r.name()));
    assertThat(other.maxItems()).isEqualTo(7);
    assertThat(other.capacityBytes()).isEqualTo(4096);
    assertThat(pollNow(other).bytes()).containsExactly(9);
    assertThat(r.isEmpty()).isTrue();
  }

  @Test
  void attach_notARing_throwsIllegalArgument() {
    SharedSegment s = owner.create("z", 4096);
    assertThatThrownBy(() -> MpmcRingBuffer.attach(s))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold a ring");
  }

  @Test
  void create_capacityNotAPowerOfTwo_throwsIllegalArgument() {
    SharedSegment s = owner.create("z", 8192);
    assertThatThrownBy(() -> MpmcRingBuffer.create(s, 3000, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power of two")
        .hasMessageContaining("3000");
  }

  @Test
  void threads_fourProducersFourConsumers_everyRecordOnceInProducerOrder() throws Exception {
    MpmcRingBuffer r = ring(2048, 0, 0);
    int producers = 4;
    int perProducer = 20_000;
    List<Thread> threads = new ArrayList<>();
    long[][] lastSeen = new long[producers][producers];
    boolean[][] seen = new boolean[producers][perProducer];
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    for (int p = 0; p < producers; p++) {
      int id = p;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < perProducer; i++) {
                        byte[] b = new byte[8 + (i % 50)];
                        MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED, 0, id);
                        MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED, 4, i);
                        r.offer(0, MemorySegment.ofArray(b), BOUND_NANOS, true);
                      }
                    } catch (Throwable t) {
                      failure.compareAndSet(null, t);
                    }
                  }));
    }
    for (int c = 0; c < producers; c++) {
      int me = c;
      Arrays.fill(lastSeen[me], -1);
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int n = 0; n < perProducer; n++) {
                        Rec rec = Objects.requireNonNull(r.poll(READER, BOUND_NANOS, true));
                        MemorySegment m = MemorySegment.ofArray(rec.bytes());
                        int id = m.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                        int i = m.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                        assertThat(i).isGreaterThan((int) lastSeen[me][id]);
                        lastSeen[me][id] = i;
                        synchronized (seen) {
                          assertThat(seen[id][i]).as("duplicate").isFalse();
                          seen[id][i] = true;
                        }
                      }
                    } catch (Throwable t) {
                      failure.compareAndSet(null, t);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NANOS) * 2);
    }
    assertThat(failure.get()).isNull();
    for (boolean[] s : seen) {
      for (boolean b : s) {
        assertThat(b).isTrue();
      }
    }
  }

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  /**
   * An inline put or take leaves the overflow byte counts and their journal alone, so a repair
   * after a holder that died before its commit must set the journal back: otherwise the counts a
   * dead overflow put had journalled come back at the next repair of an inline put (whose journal
   * they then seem to be), and the overflow budget is off for good.
   */
  @Test
  void repair_uncommittedOverflowJournalThenDeadInlineCommit_countsStayExact() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    MemorySegment m = r.memory();
    for (boolean putSide : new boolean[] {true, false}) {
      long lock = putSide ? RingLayout.PUT_LOCK : RingLayout.TAKE_LOCK;
      long position = putSide ? RingLayout.TAIL : RingLayout.HEAD;
      long count = putSide ? RingLayout.PUT_COUNT : RingLayout.TAKE_COUNT;
      long overflow = putSide ? RingLayout.OVERFLOW_IN : RingLayout.OVERFLOW_OUT;
      long jPosition = putSide ? RingLayout.J_TAIL : RingLayout.J_HEAD;
      long jCount = putSide ? RingLayout.J_PUT_COUNT : RingLayout.J_TAKE_COUNT;
      long jOverflow = putSide ? RingLayout.J_OVERFLOW_IN : RingLayout.J_OVERFLOW_OUT;
      for (int i = 0; i < 3; i++) {
        assertThat(offerNow(r, 1, bytes(8, i))).isTrue();
      }
      // A holder died after journalling an overflow record, before its commit.
      LONG.setVolatile(m, jPosition, (long) LONG.getVolatile(m, position) + 4096);
      LONG.setVolatile(m, jCount, (long) LONG.getVolatile(m, count) + 1);
      LONG.setVolatile(m, jOverflow, 12_345L);
      LONG.setVolatile(m, lock, EndedProcesses.token(putSide ? 0 : 2));
      if (putSide) {
        assertThat(offerNow(r, 1, bytes(8, 3))).isTrue(); // takes the lock over, repairs
      } else {
        pollNow(r);
      }
      // The next holder committed an inline record and died before its count store.
      if (putSide) {
        assertThat(offerNow(r, 1, bytes(8, 4))).isTrue();
      } else {
        pollNow(r);
      }
      LONG.setVolatile(m, count, (long) LONG.getVolatile(m, count) - 1);
      LONG.setVolatile(m, lock, EndedProcesses.token(putSide ? 1 : 3));
      if (putSide) {
        assertThat(offerNow(r, 1, bytes(8, 5))).isTrue();
      } else {
        pollNow(r);
      }
      assertThat((long) LONG.getVolatile(m, overflow)).as("overflow bytes").isZero();
      assertThat(r.size()).isEqualTo(6); // put side: 6 puts; take side: 3 more, 3 takes
    }
    assertThat(r.putCount()).isEqualTo(9);
    assertThat(r.takeCount()).isEqualTo(3);
  }

  /**
   * A producer that died after the store of its record's header (the commit) and before its TAIL
   * store: the record is delivered, and the next producer, taking the lock over, moves TAIL past it
   * from the journal instead of writing its own record over it.
   */
  @Test
  void repair_deadProducerPublishedItsHeaderNotTail_recordKeptAndTailMoved() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    MemorySegment m = r.memory();
    assertThat(offerNow(r, 1, bytes(24, 0))).isTrue();
    long tail = (long) LONG.getVolatile(m, RingLayout.TAIL);
    assertThat(offerNow(r, 2, bytes(24, 1))).isTrue();
    // Undo what the holder did after its commit, and leave its lock to a dead process.
    LONG.setVolatile(m, RingLayout.TAIL, tail);
    LONG.setVolatile(m, RingLayout.PUT_COUNT, 1L);
    LONG.setVolatile(m, RingLayout.PUT_LOCK, EndedProcesses.token(0));
    assertThat(r.size()).isEqualTo(1); // the count lags until the repair

    assertThat(offerNow(r, 3, bytes(24, 2))).isTrue(); // takes the lock over, repairs
    assertThat(r.size()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      Rec rec = pollNow(r);
      assertThat(rec.type()).isEqualTo(i + 1);
      assertThat(rec.bytes()).isEqualTo(bytes(24, i));
    }
    assertThat(r.poll(READER, 0, true)).isNull();
    assertThat(r.putCount()).isEqualTo(3);
  }

  /**
   * A producer that died while writing, before its commit, left bytes of every kind beyond TAIL (in
   * the slot of the header words that later records will have): nothing of it is ever read as a
   * record, because a put stores 0 into the word after its record before publishing it.
   */
  @Test
  void deadProducerBeforeItsCommit_itsBytesBeyondTailAreNeverRead() throws Exception {
    MpmcRingBuffer r = ring(4096, 0, 0);
    MemorySegment m = r.memory();
    assertThat(offerNow(r, 1, bytes(8, 0))).isTrue();
    long tail = (long) LONG.getVolatile(m, RingLayout.TAIL);
    // Plausible headers (length 8, type 5) in every word beyond TAIL but TAIL's own.
    for (long at = tail + 8; at < 2048; at += 8) {
      LONG.setVolatile(m, RingLayout.HEADER_LENGTH + at, RingLayout.header(8, 5));
    }
    LONG.setVolatile(m, RingLayout.J_TAIL, 2048L);
    LONG.setVolatile(m, RingLayout.J_PUT_COUNT, 2L);
    LONG.setVolatile(m, RingLayout.PUT_LOCK, EndedProcesses.token(0));
    assertThat(pollNow(r).type()).isEqualTo(1);
    assertThat(r.poll(READER, 0, true)).isNull(); // nothing published beyond

    assertThat(offerNow(r, 2, bytes(8, 1))).isTrue(); // takes the lock over, repairs
    assertThat(offerNow(r, 3, bytes(8, 2))).isTrue();
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(8, 1));
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(8, 2));
    assertThat(r.poll(READER, 0, true)).isNull();
    assertThat(r.isEmpty()).isTrue();
    assertThat(r.size()).isZero();
  }

  /**
   * A consumer that died after its HEAD store (the commit) and before its TAKE_COUNT store leaves
   * the count one short until the take lock's next holder repairs it. With the ring then empty no
   * consumer takes that lock (a get looks before locking), so a producer of a queue of maxsize 1,
   * which the stale count says is full, must take the lock over itself rather than wait for ever.
   */
  @Test
  void repair_deadConsumerCommittedItsLastTakeNotItsCount_producerWaitingForRoomGetsIt()
      throws Exception {
    MpmcRingBuffer r = ring(4096, 1, 0);
    MemorySegment m = r.memory();
    assertThat(offerNow(r, 1, bytes(8, 0))).isTrue();
    pollNow(r);
    // Undo what the holder did after its commit, and leave its lock to a dead process.
    LONG.setVolatile(m, RingLayout.TAKE_COUNT, 0L);
    LONG.setVolatile(m, RingLayout.TAKE_LOCK, EndedProcesses.token(2));
    assertThat(r.isEmpty()).isTrue();
    assertThat(r.isFullByCount()).isTrue(); // stale until the repair

    assertThat(r.offer(2, MemorySegment.ofArray(bytes(8, 1)), TimeUnit.SECONDS.toNanos(10), true))
        .as("a put waiting for room on an empty ring")
        .isTrue();
    assertThat(r.takeCount()).isEqualTo(1);
    assertThat(pollNow(r).bytes()).isEqualTo(bytes(8, 1));
    assertThat(r.size()).isZero();
  }
}
