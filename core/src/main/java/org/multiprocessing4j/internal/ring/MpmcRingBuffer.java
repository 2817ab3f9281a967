package org.multiprocessing4j.internal.ring;

import static org.multiprocessing4j.internal.ring.RingLayout.CAPACITY;
import static org.multiprocessing4j.internal.ring.RingLayout.HEAD;
import static org.multiprocessing4j.internal.ring.RingLayout.HEADER_LENGTH;
import static org.multiprocessing4j.internal.ring.RingLayout.J_HEAD;
import static org.multiprocessing4j.internal.ring.RingLayout.J_OVERFLOW_IN;
import static org.multiprocessing4j.internal.ring.RingLayout.J_OVERFLOW_OUT;
import static org.multiprocessing4j.internal.ring.RingLayout.J_PUT_COUNT;
import static org.multiprocessing4j.internal.ring.RingLayout.J_TAIL;
import static org.multiprocessing4j.internal.ring.RingLayout.J_TAKE_COUNT;
import static org.multiprocessing4j.internal.ring.RingLayout.MAGIC;
import static org.multiprocessing4j.internal.ring.RingLayout.MAGIC_VALUE;
import static org.multiprocessing4j.internal.ring.RingLayout.MAX_INLINE;
import static org.multiprocessing4j.internal.ring.RingLayout.MAX_ITEMS;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW_BUDGET;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW_IN;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW_OUT;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW_REF_HEADER;
import static org.multiprocessing4j.internal.ring.RingLayout.OVERFLOW_SEQUENCE;
import static org.multiprocessing4j.internal.ring.RingLayout.PADDING;
import static org.multiprocessing4j.internal.ring.RingLayout.PUT_COUNT;
import static org.multiprocessing4j.internal.ring.RingLayout.RECORD_HEADER;
import static org.multiprocessing4j.internal.ring.RingLayout.TAIL;
import static org.multiprocessing4j.internal.ring.RingLayout.TAKE_COUNT;
import static org.multiprocessing4j.internal.ring.RingLayout.VERSION;
import static org.multiprocessing4j.internal.ring.RingLayout.VERSION_VALUE;
import static org.multiprocessing4j.internal.ring.RingLayout.recordLength;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SegmentGoneException;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.shm.ShmDirectory;
import org.multiprocessing4j.internal.sync.BiasedLock;
import org.multiprocessing4j.internal.sync.EventCount;
import org.multiprocessing4j.internal.sync.RobustLock;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * A bounded queue of variable-length byte records in shared memory, for any number of producer and
 * consumer threads in any number of processes, that survives the death of any of them.
 *
 * <p>Items are opaque payloads with an {@code int} type tag (the codec's). Each {@code offer} and
 * {@code poll} can block, with a timeout, until there is room or an item; blocking spins briefly,
 * then waits on a futex without using CPU (see {@link EventCount}).
 */
public final class MpmcRingBuffer {
  /*
   * Implementation notes.
   *
   * Design. A two-lock queue (Michael & Scott's two-lock queue; the JDK's LinkedBlockingQueue)
   * over a byte ring (Agrona's ring buffers): producers serialize on the put lock, consumers on the
   * take lock, and between the two sides the ring is single-producer single-consumer: the producer
   * holding the put lock writes a record at TAIL and publishes it by the release store of its
   * 8-byte header, then moves TAIL; the consumer holding the take lock reads the header at HEAD
   * (a header word of 0 is no record yet), reads the record and frees it by moving HEAD. A producer
   * and a consumer never wait for each other's locks. Each lock is a BiasedLock in shared memory: a
   * RobustLock that, unless mp4j.bias=false, the thread which has been taking it alone (a queue's
   * one producer, its one consumer) takes and releases with plain stores, without the two
   * compareAndSets per call whose draining of the store buffer stalled each put and take on the
   * record line's transfer between the cores (with no locks at all, a throwaway build moved about
   * 10 million Integers a second between two processes against 7 with the CAS locks; the biased
   * locks about 8: see docs/benchmarks.md); any other thread revokes the bias first. Threads of
   * one process contend for it like threads of different processes (a per-JVM ReentrantLock in
   * front cost two more atomic operations per call, a fifth of a put, and bought nothing).
   *
   * Why the header publishes, not TAIL: a consumer then reads only lines it must read anyway (the
   * record's), as Agrona's consumers do. With TAIL as the commit, a consumer that keeps up read the
   * producers' line on every item and the line went back and forth between the two cores twice
   * per item (once for TAIL, once for the record). TAIL is now the producers' own: the next put,
   * room checks and repair read it. The price: the word after each record must read 0 before the
   * record is published (the producer stores it, with the record: the ring is not cleared behind
   * consumers as Agrona's is), so a put needs 8 bytes of room beyond its record.
   *
   * Why locks and not a lock-free multi-producer ring: in a lock-free design (Agrona's
   * ManyToOneRingBuffer, Vyukov's queue) a producer claims space first and commits later, so a
   * producer killed between the two leaves a claimed, never-committed hole that every consumer
   * waits behind; telling a dead producer from a slow one (a GC pause while copying 1 MiB) takes a
   * timeout, which is a guess. A lock owner is named in the lock word, so its death is a fact the
   * others can check (pid and start time), and what it left half done is undone exactly. The
   * price, a CAS to lock and one to unlock on a line only that side touches, is paid only by
   * threads that do not hold the lock's bias.
   *
   * Records never wrap: one that does not fit before the end of the data area is preceded by a
   * PADDING record up to the end, written and published together with it. An item whose record
   * would take more than a quarter of the ring (MAX_INLINE) is written to an overflow file (named
   * after this ring, so the ring's owner removes it at close) and the ring carries an OVERFLOW
   * record naming it: items of any size pass through a small ring, and a 64 MiB item does not
   * hold the put lock while it is copied. OVERFLOW_BUDGET bounds the bytes in overflow files
   * (0 = unbounded); one item larger than the budget still passes when no other is outstanding.
   *
   * Memory ordering. Producer: journal -> 0 into the next header word -> record bytes (plain) ->
   * header (setRelease: the commit) -> TAIL, counts (setRelease) -> unlock (a CAS, or the biased
   * thread's release store) -> NOT_EMPTY.signalAll (getVolatile). Consumer: header at HEAD
   * (getAcquire) -> record bytes (plain) -> journal -> HEAD (setRelease) -> counts. The release of
   * the header pairs with the consumer's acquire of it, so a consumer that sees a header sees every
   * record byte and the 0 after the record (the publication hole jcstress tests guard). A record
   * that does not fit before the end is written at 0 and published by the release of the PADDING
   * header before it, so its own header is written plain. Between the commit and the read of the
   * event count word (Dekker; see EventCount) there is the full fence of the unlock CAS, or, after
   * a biased unlock, no fence: NOT_EMPTY and NOT_FULL are asymmetric event counts, whose waiters
   * run a heavy fence (membarrier) before they check and sleep, which makes the commit visible to
   * their check or their announcement visible to the signaller (see HeavyFence). Symmetric on the
   * consumer side with HEAD and NOT_FULL. PUT_COUNT and TAKE_COUNT lag the commits by one operation
   * at most (a take can even come before its put's PUT_COUNT store); sizes are approximate while
   * others operate, as in Python.
   *
   * Failure. The commit point of a put is the release store of its record's header (of the
   * PADDING header before it, if any); of a take, the store to HEAD.
   *  - Producer killed before its header store: the bytes it wrote beyond TAIL are invisible (the
   *    header word at TAIL is still 0) and are overwritten by the next producer. No torn item is
   *    ever visible; the item is not delivered (its put never returned). An overflow file it had
   *    written, uncommitted, is removed by sweepOrphanOverflow() (when a process closes the queue)
   *    or when the owner closes.
   *  - Producer killed after its header store: the item is delivered; TAIL and the counts it had
   *    not yet updated are repaired from the journal by the next producer (below).
   *  - Consumer killed before its HEAD store: the item stays at the head and goes to the next
   *    consumer: nothing is lost; the killed consumer's get never returned, so no one saw it twice.
   *  - Consumer killed after its HEAD store: its get had copied the item into its heap; the item
   *    goes with it, as with any consumer that dies after get returns. An overflow file it had
   *    not yet removed stays until the owner closes. The counts it had not yet updated are
   *    repaired by the take lock's next holder; a producer waiting for room takes the lock over
   *    itself (awaitRoom): with the ring empty, no consumer would.
   *  - A process killed while blocked in a wait holds nothing (see EventCount).
   *  In every case the next locker takes the dead holder's lock over (RobustLock, or BiasedLock for
   *  a biased holder, within ~10 ms of contending) and repairs: the journal (J_TAIL, J_PUT_COUNT,
   *  J_OVERFLOW_IN, written in that order before the commit) tells what the dead holder's commit
   *  implies. J_TAIL == TAIL: its TAIL store happened (or it died before journalling, and the
   *  journal is the last completed put's), so the counts are set from the journal. J_TAIL != TAIL:
   *  it committed if the header word at TAIL is no longer 0 (then TAIL and the counts are set from
   *  the journal), otherwise the journal is set back to the counts (J_TAIL is written first, so a
   *  journal whose counts are new always has a new J_TAIL). OVERFLOW_IN and J_OVERFLOW_IN are
   *  written only by a put of an overflow record (an inline put leaves both alone, two stores and a
   *  load fewer per item), so outside a put J_OVERFLOW_IN == OVERFLOW_IN, which is what the repair
   *  of an inline put relies on. The consumer side is the same with J_HEAD, whose commit is the
   *  HEAD store itself.
   *
   * References. Michael & Scott, "Simple, Fast, and Practical Non-Blocking and Blocking
   * Concurrent Queue Algorithms" (1996); Agrona's ManyToOneRingBuffer and RecordDescriptor; the
   * Linux robust-futex design (Documentation/locking/robust-futexes.rst).
   */

  /**
   * Reads one record's payload, called while the take lock is held: copy what is needed, do not
   * block, do not keep {@code memory}.
   *
   * @param <T> what the reader makes of the payload; never null
   */
  @FunctionalInterface
  public interface RecordReader<T> {
    /**
     * Reads a payload.
     *
     * @param type the type the producer gave
     * @param memory memory holding the payload
     * @param offset where it starts
     * @param length its length
     * @return the value; not null
     */
    T read(int type, MemorySegment memory, long offset, long length);
  }

  /**
   * Writes one record's payload into the ring (or an overflow file), called while the put lock is
   * held: write exactly the announced length, do not block.
   */
  @FunctionalInterface
  public interface RecordWriter {
    /**
     * Writes the payload.
     *
     * @param memory where to write
     * @param offset where the payload starts
     */
    void write(MemorySegment memory, long offset);
  }

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  /** How long a producer waits for room before it checks the take lock (see awaitRoom). */
  private static final long ROOM_SLICE_NANOS = 100_000_000L;

  /** Separates an overflow file's sequence number from its writer's token (base 36). */
  private static final String WRITER = ".w";

  private final SharedSegment segment; // keeps an attached mapping reachable
  private final MemorySegment mem;
  private final long capacity;
  private final long mask;
  private final long maxItems;
  private final long overflowBudget;
  private final long maxInline;
  private final BiasedLock putLock;
  private final BiasedLock takeLock;
  private final EventCount notEmpty;
  private final EventCount notFull;
  private long cachedHead; // guarded by putLock; a lower bound of HEAD
  private long cachedTakeCount; // guarded by putLock; a lower bound of TAKE_COUNT

  private MpmcRingBuffer(SharedSegment segment) {
    this.segment = segment;
    this.mem = segment.memory();
    this.capacity = (long) LONG.getAcquire(mem, CAPACITY);
    this.mask = capacity - 1;
    this.maxItems = (long) LONG.getAcquire(mem, MAX_ITEMS);
    this.overflowBudget = (long) LONG.getAcquire(mem, OVERFLOW_BUDGET);
    this.maxInline = (long) LONG.getAcquire(mem, MAX_INLINE);
    this.putLock =
        new BiasedLock(mem, RingLayout.PUT_LOCK, segment.name() + "#put", segment.path());
    this.takeLock =
        new BiasedLock(mem, RingLayout.TAKE_LOCK, segment.name() + "#take", segment.path());
    // Asymmetric: a put or take by a lock's biased thread signals with no fence before it.
    this.notEmpty = new EventCount(mem, RingLayout.NOT_EMPTY, Waiting.DATA_SPIN_NANOS, putLock);
    this.notFull = new EventCount(mem, RingLayout.NOT_FULL, Waiting.DATA_SPIN_NANOS, takeLock);
  }

  /**
   * Lays out a new ring in a zero-filled segment. Call before the segment's name is given to
   * anyone.
   *
   * @param segment a new segment of at least {@link RingLayout#segmentSize(long)} bytes
   * @param capacity data bytes; a power of two (see {@link RingLayout#checkCapacity})
   * @param maxItems the most items it holds at once; 0 for no limit but its bytes
   * @param overflowBudget the most bytes held in overflow files at once; 0 for no limit
   * @return the ring
   */
  public static MpmcRingBuffer create(
      SharedSegment segment, long capacity, long maxItems, long overflowBudget) {
    RingLayout.checkCapacity(capacity);
    if (maxItems < 0 || overflowBudget < 0) {
      throw new IllegalArgumentException(
          "maxItems and overflowBudget must be >= 0: " + maxItems + ", " + overflowBudget);
    }
    MemorySegment m = segment.memory();
    if (m.byteSize() < RingLayout.segmentSize(capacity)) {
      throw new IllegalArgumentException("segment too small for capacity " + capacity);
    }
    LONG.set(m, CAPACITY, capacity);
    LONG.set(m, MAX_ITEMS, maxItems);
    LONG.set(m, OVERFLOW_BUDGET, overflowBudget);
    LONG.set(m, MAX_INLINE, capacity / 4 - RECORD_HEADER);
    INT.set(m, VERSION, VERSION_VALUE);
    INT.setRelease(m, MAGIC, MAGIC_VALUE);
    return new MpmcRingBuffer(segment);
  }

  /**
   * Uses a ring laid out by {@link #create}, in this or another process.
   *
   * @param segment the mapped segment
   * @return the ring
   * @throws IllegalArgumentException if the segment does not hold a ring of this version
   */
  public static MpmcRingBuffer attach(SharedSegment segment) {
    MemorySegment m = segment.memory();
    if (m.byteSize() < RingLayout.HEADER_LENGTH
        || (int) INT.getAcquire(m, MAGIC) != MAGIC_VALUE
        || (int) INT.get(m, VERSION) != VERSION_VALUE) {
      throw new IllegalArgumentException(segment.name() + " does not hold a ring of this version");
    }
    long capacity = (long) LONG.get(m, CAPACITY);
    RingLayout.checkCapacity(capacity);
    if (m.byteSize() < RingLayout.segmentSize(capacity)) {
      throw new IllegalArgumentException(segment.name() + " is shorter than its ring");
    }
    return new MpmcRingBuffer(segment);
  }

  /** Returns the name of the segment, by which other processes attach. */
  public String name() {
    return segment.name();
  }

  /** Returns the data capacity in bytes. */
  public long capacityBytes() {
    return capacity;
  }

  /** Returns the most items held at once, or 0 if only bytes limit it. */
  public long maxItems() {
    return maxItems;
  }

  /** Returns the largest payload copied into the ring itself; larger ones go to overflow files. */
  public long maxInlinePayload() {
    return maxInline;
  }

  // ------------------------------------------------------------------------------------ produce

  /**
   * Appends a record whose payload is {@code payload}; see {@link #offer(int, long, RecordWriter,
   * long, boolean)}.
   */
  public boolean offer(int type, MemorySegment payload, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    long length = payload.byteSize();
    return offer(
        type,
        length,
        (m, offset) -> MemorySegment.copy(payload, 0, m, offset, length),
        timeoutNanos,
        interruptible);
  }

  /**
   * Appends a record, waiting up to {@code timeoutNanos} for room.
   *
   * <p>Waiting for the put lock is not bounded by a timeout of 0 or less (the lock is held only
   * while a record is copied; a dead holder's lock is taken over), as {@link
   * java.util.concurrent.ArrayBlockingQueue#offer(Object)} waits for its lock.
   *
   * @param type the payload's type; 0 or more
   * @param length the payload's length in bytes
   * @param writer writes the payload; called at most once (for a payload above {@link
   *     #maxInlinePayload()}, into an overflow file, before the lock is taken)
   * @param timeoutNanos the longest wait for room: 0 or less for none, {@link Waiting#FOREVER}
   * @param interruptible whether to throw {@link InterruptedException} (else the interrupt status
   *     is kept, and waits for room are not allowed)
   * @return true if appended; false if there was no room in time (nothing was appended)
   * @throws InterruptedException if interrupted while waiting; nothing was appended
   * @throws java.io.UncheckedIOException if an overflow file cannot be written
   */
  public boolean offer(
      int type, long length, RecordWriter writer, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    if (type < 0) {
      throw new IllegalArgumentException("type < 0: " + type);
    }
    if (!interruptible && timeoutNanos > 0) {
      throw new IllegalArgumentException("only interruptible calls may wait for room");
    }
    if (length <= maxInline) {
      return offerRecord(type, length, writer, 0, timeoutNanos, interruptible);
    }
    return offerOverflow(type, length, writer, timeoutNanos, interruptible);
  }

  private boolean offerOverflow(
      int type, long length, RecordWriter writer, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    long start = System.nanoTime();
    // Wait for budget before writing the file, so that a full queue does not fill /dev/shm.
    if (!hasRoom(0, length)) {
      long remaining = timeoutNanos - (System.nanoTime() - start);
      if (!awaitRoom(() -> hasRoom(0, length), remaining)) {
        return false;
      }
    }
    // The writer's token in the name lets sweepOrphanOverflow() find the file if the writer dies
    // before committing it.
    String name =
        segment.name()
            + ".x"
            + (long) LONG.getAndAdd(mem, OVERFLOW_SEQUENCE, 1L)
            + WRITER
            + Long.toString(ProcessIdentity.selfToken(), 36);
    try (Arena arena = Arena.ofConfined()) {
      SharedSegment file = SharedSegment.createFor(name, length, arena);
      writer.write(file.memory(), 0);
    }
    // The owner's close lists its files, removes them (this ring's own file among them), then
    // lists them again: a file made after the second listing is seen here, with the ring's file
    // gone, and removed by its writer; one made before it is removed by the owner.
    if (!Files.exists(segment.path())) {
      SharedSegment.unlink(name);
      throw new SegmentGoneException(
          segment.name(), "its context was closed, so the large item was not put");
    }
    byte[] ref = new byte[OVERFLOW_REF_HEADER + name.length()];
    MemorySegment refSegment = MemorySegment.ofArray(ref);
    refSegment.set(ValueLayout.JAVA_INT_UNALIGNED, 0, type);
    refSegment.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, length);
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8); // ASCII: checked by createFor
    System.arraycopy(nameBytes, 0, ref, OVERFLOW_REF_HEADER, nameBytes.length);
    boolean appended = false;
    try {
      long left =
          timeoutNanos <= 0 || timeoutNanos == Waiting.FOREVER
              ? timeoutNanos
              : Math.max(1, timeoutNanos - (System.nanoTime() - start));
      appended =
          offerRecord(
              OVERFLOW,
              ref.length,
              (m, offset) -> MemorySegment.copy(refSegment, 0, m, offset, ref.length),
              length,
              left,
              interruptible);
      return appended;
    } finally {
      if (!appended) {
        SharedSegment.unlink(name);
      }
    }
  }

  private boolean offerRecord(
      int type,
      long length,
      RecordWriter writer,
      long overflowBytes,
      long timeoutNanos,
      boolean interruptible)
      throws InterruptedException {
    long start = 0; // read only when a wait is bounded: a put that need not wait reads no clock
    while (true) {
      long lockTimeout = Waiting.FOREVER;
      if (timeoutNanos > 0 && timeoutNanos != Waiting.FOREVER) {
        if (start == 0) {
          start = System.nanoTime();
        }
        lockTimeout = Math.max(1, timeoutNanos - (System.nanoTime() - start));
      }
      if (!lock(putLock, true, lockTimeout, interruptible)) {
        return false;
      }
      boolean written;
      try {
        written = tryWrite(type, length, writer, overflowBytes);
      } finally {
        putLock.unlock();
      }
      if (written) {
        notEmpty.signalAll();
        return true;
      }
      if (timeoutNanos <= 0) {
        return false;
      }
      long remaining = Waiting.FOREVER;
      if (timeoutNanos != Waiting.FOREVER) {
        if (start == 0) {
          start = System.nanoTime();
        }
        remaining = timeoutNanos - (System.nanoTime() - start);
      }
      if (!awaitRoom(() -> hasRoom(length, overflowBytes), remaining)) {
        return false;
      }
    }
  }

  /**
   * Waits up to {@code timeoutNanos} for {@code room}. The counts a consumer left stale (it died
   * between its HEAD store and its count stores) are repaired by the take lock's next holder only,
   * and when that take emptied the ring no consumer locks (a get looks before locking): so after
   * each slice without room, a producer takes the take lock over itself if it is held (waiting for
   * a live holder's short copy, repairing after a dead one).
   *
   * @return whether there is room
   */
  private boolean awaitRoom(BooleanSupplier room, long timeoutNanos) throws InterruptedException {
    long start = System.nanoTime();
    while (true) {
      long remaining = Waiting.remaining(start, timeoutNanos);
      if (remaining <= 0) {
        return false;
      }
      if (notFull.await(room, Math.min(remaining, ROOM_SLICE_NANOS))) {
        return true;
      }
      if (takeLock.holderPid() != 0) {
        lockUninterruptibly(takeLock, false);
        takeLock.unlock();
        if (room.getAsBoolean()) {
          return true;
        }
      }
    }
  }

  /**
   * Writes and publishes one record if there is room. Call only when holding the put lock.
   *
   * <p>Kept under the JIT's size limit for inlining a hot call (325 bytes of bytecode): inlined
   * into the put, the item's writer does not escape and is not allocated. The rarer paths and the
   * accesses go through small methods for that reason.
   */
  private boolean tryWrite(int type, long length, RecordWriter writer, long overflowBytes) {
    // assert putLock.isHeldByThisProcess();
    long tail = acquire(TAIL);
    long putCount = acquire(PUT_COUNT);
    if (isFullByCount(putCount)) {
      return false;
    }
    // OVERFLOW_IN and its journal change only with an overflow record: an inline one (nearly
    // every put) neither reads nor writes them (see Failure in the notes).
    long overflowIn = 0;
    if (overflowBytes > 0) {
      overflowIn = acquire(OVERFLOW_IN);
      if (!overflowAllows(overflowIn, overflowBytes)) {
        return false;
      }
    }
    long record = recordLength(length);
    long index = tail & mask;
    long toEnd = capacity - index;
    long padding = record <= toEnd ? 0 : toEnd;
    long newTail = tail + padding + record;
    if (newTail - cachedHead >= capacity && isFullByBytes(newTail)) {
      return false;
    }
    // Journal: J_TAIL first (see Failure in the notes), then the counts the commit implies.
    plain(J_TAIL, newTail);
    release(J_PUT_COUNT, putCount + 1);
    if (overflowBytes > 0) {
      release(J_OVERFLOW_IN, overflowIn + overflowBytes);
    }
    // The word after the record is the next header: it must read "no record" until the next put
    // publishes there (it holds whatever the previous lap left).
    plain(HEADER_LENGTH + (newTail & mask), 0L);
    long at = HEADER_LENGTH + (padding > 0 ? 0 : index);
    writer.write(mem, at + RECORD_HEADER);
    long header = RingLayout.header((int) length, type);
    if (padding > 0) {
      header = writeBehindPadding(header, padding);
      at = HEADER_LENGTH + index;
    }
    // Commit: the record (and its padding) becomes visible to consumers with this store.
    release(at, header);
    release(TAIL, newTail);
    release(PUT_COUNT, putCount + 1);
    if (overflowBytes > 0) {
      release(OVERFLOW_IN, overflowIn + overflowBytes);
    }
    return true;
  }

  /**
   * Whether maxItems are held, reading TAKE_COUNT anew only when the last value read says so. Call
   * only when holding the put lock.
   */
  private boolean isFullByCount(long putCount) {
    if (maxItems == 0 || putCount - cachedTakeCount < maxItems) {
      return false;
    }
    cachedTakeCount = acquire(TAKE_COUNT);
    return putCount - cachedTakeCount >= maxItems;
  }

  /**
   * Writes the header of a record placed at 0 behind a PADDING record, and returns the PADDING
   * header, whose release store publishes both. Call only when holding the put lock.
   */
  private long writeBehindPadding(long recordHeader, long padding) {
    plain(HEADER_LENGTH, recordHeader);
    return RingLayout.header((int) padding, PADDING);
  }

  /**
   * Whether TAIL cannot move to {@code newTail}, HEAD read anew: the record and the header word
   * after it must lie before HEAD's next lap. Call holding the put lock.
   */
  private boolean isFullByBytes(long newTail) {
    cachedHead = acquire(HEAD);
    return newTail - cachedHead >= capacity;
  }

  private long acquire(long offset) {
    return (long) LONG.getAcquire(mem, offset);
  }

  private void release(long offset, long value) {
    LONG.setRelease(mem, offset, value);
  }

  private void plain(long offset, long value) {
    LONG.set(mem, offset, value);
  }

  private boolean countsAllow(long putCount, long overflowIn, long overflowBytes) {
    if (maxItems > 0 && putCount - (long) LONG.getAcquire(mem, TAKE_COUNT) >= maxItems) {
      return false;
    }
    return overflowBytes <= 0 || overflowAllows(overflowIn, overflowBytes);
  }

  private boolean overflowAllows(long overflowIn, long overflowBytes) {
    if (overflowBudget == 0) {
      return true;
    }
    long outstanding = overflowIn - (long) LONG.getAcquire(mem, OVERFLOW_OUT);
    return outstanding <= 0 || outstanding + overflowBytes <= overflowBudget;
  }

  /** Whether a record of {@code length} payload bytes would fit now; read without locks. */
  private boolean hasRoom(long length, long overflowBytes) {
    long tail = (long) LONG.getAcquire(mem, TAIL);
    if (!countsAllow(
        (long) LONG.getAcquire(mem, PUT_COUNT),
        (long) LONG.getAcquire(mem, OVERFLOW_IN),
        overflowBytes)) {
      return false;
    }
    long record = recordLength(length);
    long toEnd = capacity - (tail & mask);
    long newTail = tail + (record <= toEnd ? 0 : toEnd) + record;
    return newTail - (long) LONG.getAcquire(mem, HEAD) < capacity;
  }

  /** Restores TAIL and the producer counts after a producer died holding the put lock. */
  private void repairPut() {
    // assert putLock.isHeldByThisProcess();
    long tail = acquire(TAIL);
    long journalTail = acquire(J_TAIL);
    // Committed: TAIL was stored (or the journal is the last completed put's), or the dead holder
    // published its header and died before storing TAIL. The word at TAIL is 0 until that header.
    boolean published = journalTail != tail && acquire(HEADER_LENGTH + (tail & mask)) != 0;
    if (journalTail == tail || published) {
      if (published) {
        release(TAIL, journalTail);
      }
      release(PUT_COUNT, acquire(J_PUT_COUNT));
      release(OVERFLOW_IN, acquire(J_OVERFLOW_IN));
    } else {
      // Not committed: the journal may hold the dead holder's new counts. An inline put does not
      // rewrite J_OVERFLOW_IN, so bring the journal back to the committed state.
      release(J_PUT_COUNT, acquire(PUT_COUNT));
      release(J_OVERFLOW_IN, acquire(OVERFLOW_IN));
    }
  }

  // ------------------------------------------------------------------------------------ consume

  /**
   * Removes the record at the head, waiting up to {@code timeoutNanos} for one, and returns what
   * {@code reader} made of it. The record is removed only after {@code reader} returned; if it
   * throws, the record stays.
   *
   * @param reader copies the payload out; called with the take lock held
   * @param timeoutNanos the longest wait for a record: 0 or less for none, {@link Waiting#FOREVER}
   * @param interruptible whether to throw {@link InterruptedException} (else the interrupt status
   *     is kept, and waits for records are not allowed)
   * @return the reader's value, or null if there was no record in time
   * @throws InterruptedException if interrupted while waiting; nothing was removed
   * @throws LostItemException if the head record's overflow file is gone (it was removed)
   */
  public <T> @Nullable T poll(RecordReader<T> reader, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    if (!interruptible && timeoutNanos > 0) {
      throw new IllegalArgumentException("only interruptible calls may wait for records");
    }
    long start = 0; // read only when a wait is bounded
    while (true) {
      long lockTimeout = Waiting.FOREVER;
      if (timeoutNanos > 0 && timeoutNanos != Waiting.FOREVER) {
        if (start == 0) {
          start = System.nanoTime();
        }
        lockTimeout = Math.max(1, timeoutNanos - (System.nanoTime() - start));
      }
      // Look before locking: a consumer that keeps up finds the ring empty on most calls, and the
      // look costs a read or two where the lock costs two CAS (and contends with others).
      if (hasRecord()) {
        if (!lock(takeLock, false, lockTimeout, interruptible)) {
          return null;
        }
        Object read;
        try {
          read = tryRead(reader, true);
        } finally {
          takeLock.unlock();
        }
        if (read != EMPTY) {
          notFull.signalAll();
          @SuppressWarnings("unchecked") // the reader's T, or a Taken<T> holding one
          T value = (T) finishRead(read, true);
          return value;
        }
      }
      if (timeoutNanos <= 0) {
        return null;
      }
      long remaining = Waiting.FOREVER;
      if (timeoutNanos != Waiting.FOREVER) {
        if (start == 0) {
          start = System.nanoTime();
        }
        remaining = timeoutNanos - (System.nanoTime() - start);
      }
      if (remaining <= 0 || !notEmpty.await(this::hasRecord, remaining)) {
        return null;
      }
    }
  }

  /**
   * Returns what {@code reader} makes of the head record, without removing it.
   *
   * @return the reader's value, or null if the ring is empty
   * @throws LostItemException if the head record's overflow file is gone
   */
  public <T> @Nullable T peek(RecordReader<T> reader) {
    lockUninterruptibly(takeLock, false);
    try {
      Object read = tryRead(reader, false);
      @SuppressWarnings("unchecked") // the reader's T, or a Taken<T> holding one
      T value = read == EMPTY ? null : (T) finishRead(read, false);
      return value;
    } finally {
      takeLock.unlock();
    }
  }

  /**
   * Passes what {@code reader} makes of every record, head first, to {@code sink}, without removing
   * them; records appended meanwhile may or may not be included.
   */
  public <T> void forEach(RecordReader<T> reader, Consumer<? super T> sink) {
    lockUninterruptibly(takeLock, false);
    try {
      long head = acquire(HEAD);
      for (long end = head + capacity; head - end < 0; ) {
        long at = HEADER_LENGTH + (head & mask);
        long header = acquire(at);
        if (header == 0) {
          break; // the end of what is published
        }
        int length = RingLayout.headerLength(header);
        int type = RingLayout.headerType(header);
        if (type == PADDING) {
          head += length;
          continue;
        }
        if (type == OVERFLOW) {
          T value = readOverflow(reader, at + RECORD_HEADER).value;
          if (value != null) { // else lost: skipped here, reported by poll
            sink.accept(value);
          }
        } else {
          sink.accept(reader.read(type, mem, at + RECORD_HEADER, length));
        }
        head += recordLength(length);
      }
    } finally {
      takeLock.unlock();
    }
  }

  /** An item that was in the ring but cannot be read: its overflow file was removed. */
  public static final class LostItemException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    LostItemException(String file, long length) {
      super(
          "an item of "
              + length
              + " bytes was lost: its overflow file "
              + file
              + " is gone (the queue's owning context was closed, or the file was deleted)");
    }
  }

  /** What one read of an overflow record found. */
  private record Taken<T>(
      @Nullable T value, @Nullable String overflowFile, @Nullable LostItemException lost) {}

  /** {@link #tryRead}'s result when the ring is empty. */
  private static final Object EMPTY = new Object();

  /**
   * Completes a {@link #tryRead} that found a record, after the take lock was released: removes a
   * consumed overflow file (if {@code removed}), reports a lost one.
   */
  private static Object finishRead(Object read, boolean removed) {
    if (!(read instanceof Taken<?> taken)) {
      return read; // an inline record: no allocation beyond the reader's value
    }
    if (removed && taken.overflowFile != null) {
      SharedSegment.unlink(taken.overflowFile);
    }
    if (taken.lost != null) {
      throw taken.lost;
    }
    return Objects.requireNonNull(taken.value);
  }

  /**
   * Reads (and, if {@code remove}, removes) the head record. Call only when holding the take lock.
   *
   * @return {@link #EMPTY}; the reader's value for an inline record; a {@link Taken} for an
   *     overflow record (the reader cannot make one: the type is private)
   */
  private <T> Object tryRead(RecordReader<T> reader, boolean remove) {
    // assert takeLock.isHeldByThisProcess();
    long head = acquire(HEAD);
    long at = HEADER_LENGTH + (head & mask);
    long header = acquire(at); // pairs with the producer's release of it (see Memory ordering)
    if (header == 0) {
      return EMPTY;
    }
    long newHead = head;
    if (RingLayout.headerType(header) == PADDING) {
      newHead += RingLayout.headerLength(header); // published with the record after it, at 0
      at = HEADER_LENGTH;
      header = (long) LONG.get(mem, at);
    }
    int length = RingLayout.headerLength(header);
    int type = RingLayout.headerType(header);
    newHead += recordLength(length);
    Object taken;
    long overflowBytes = 0;
    if (type == OVERFLOW) {
      taken = readOverflow(reader, at + RECORD_HEADER);
      overflowBytes = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, at + RECORD_HEADER + 8);
    } else {
      taken = reader.read(type, mem, at + RECORD_HEADER, length);
    }
    if (remove) {
      long takeCount = acquire(TAKE_COUNT);
      // As on the put side, OVERFLOW_OUT and its journal change only with an overflow record.
      long overflowOut = overflowBytes > 0 ? acquire(OVERFLOW_OUT) : 0;
      plain(J_HEAD, newHead);
      release(J_TAKE_COUNT, takeCount + 1);
      if (overflowBytes > 0) {
        release(J_OVERFLOW_OUT, overflowOut + overflowBytes);
      }
      // Commit: the record's bytes may be overwritten by producers from here on.
      release(HEAD, newHead);
      release(TAKE_COUNT, takeCount + 1);
      if (overflowBytes > 0) {
        release(OVERFLOW_OUT, overflowOut + overflowBytes);
      }
    }
    return taken;
  }

  private <T> Taken<T> readOverflow(RecordReader<T> reader, long refAt) {
    int type = mem.get(ValueLayout.JAVA_INT_UNALIGNED, refAt);
    long length = mem.get(ValueLayout.JAVA_LONG_UNALIGNED, refAt + 8);
    int refLength = (int) INT.get(mem, refAt - RECORD_HEADER);
    byte[] nameBytes = new byte[refLength - OVERFLOW_REF_HEADER];
    MemorySegment.copy(
        mem, ValueLayout.JAVA_BYTE, refAt + OVERFLOW_REF_HEADER, nameBytes, 0, nameBytes.length);
    String file = new String(nameBytes, StandardCharsets.UTF_8);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = SharedSegment.attach(file, arena).memory();
      return new Taken<>(reader.read(type, data, 0, length), file, null);
    } catch (SegmentGoneException e) {
      return new Taken<>(null, null, new LostItemException(file, length));
    }
  }

  /**
   * Removes the overflow files of this ring that a producer wrote and never committed because it
   * died: files whose writer process is gone and which no record in the ring names. Files of live
   * writers (a put in progress) and of committed items (whoever wrote them) are kept. Takes the
   * take lock while it looks at the records.
   *
   * @return the names of the files removed
   */
  public List<String> sweepOrphanOverflow() {
    String prefix = segment.name() + ".x";
    List<String> orphans = new ArrayList<>();
    for (Path p : ShmDirectory.list(prefix)) {
      String file = p.getFileName().toString();
      int w = file.lastIndexOf(WRITER);
      if (w < 0) {
        continue;
      }
      try {
        long writer = Long.parseLong(file.substring(w + WRITER.length()), 36);
        if (!ProcessIdentity.isAlive(writer)) {
          orphans.add(file); // a dead writer commits nothing more: only the ring's records count
        }
      } catch (NumberFormatException e) {
        // not a name this ring writes: leave it
      }
    }
    if (orphans.isEmpty()) {
      return orphans;
    }
    lockUninterruptibly(takeLock, false);
    try {
      long head = acquire(HEAD);
      for (long end = head + capacity; head - end < 0 && !orphans.isEmpty(); ) {
        long at = HEADER_LENGTH + (head & mask);
        long header = acquire(at);
        if (header == 0) {
          break; // the end of what is published (committed)
        }
        int length = RingLayout.headerLength(header);
        int type = RingLayout.headerType(header);
        if (type == OVERFLOW) {
          byte[] nameBytes = new byte[length - OVERFLOW_REF_HEADER];
          MemorySegment.copy(
              mem,
              ValueLayout.JAVA_BYTE,
              at + RECORD_HEADER + OVERFLOW_REF_HEADER,
              nameBytes,
              0,
              nameBytes.length);
          orphans.remove(new String(nameBytes, StandardCharsets.UTF_8)); // committed: keep it
        }
        head += type == PADDING ? length : recordLength(length);
      }
      for (String file : orphans) {
        SharedSegment.unlink(file);
      }
    } finally {
      takeLock.unlock();
    }
    return orphans;
  }

  /**
   * Waits up to {@code timeoutNanos} until the ring holds a record, without taking it.
   *
   * @return true if it holds one
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitRecord(long timeoutNanos) throws InterruptedException {
    return notEmpty.await(this::hasRecord, timeoutNanos);
  }

  /**
   * Whether the ring holds a record: whether the header word at HEAD is published. Read without the
   * take lock, so HEAD may be stale and the answer wrong; a wrong "yes" costs {@link #poll} a look
   * under the lock, and a wrong "no" needs HEAD's record taken and its bytes written over since (a
   * lap), by puts that signal any waiter (see EventCount).
   */
  private boolean hasRecord() {
    return acquire(HEADER_LENGTH + (acquire(HEAD) & mask)) != 0;
  }

  /** Restores the consumer counts after a consumer died holding the take lock. */
  private void repairTake() {
    // assert takeLock.isHeldByThisProcess();
    if ((long) LONG.getAcquire(mem, J_HEAD) == (long) LONG.getAcquire(mem, HEAD)) {
      LONG.setRelease(mem, TAKE_COUNT, (long) LONG.getAcquire(mem, J_TAKE_COUNT));
      LONG.setRelease(mem, OVERFLOW_OUT, (long) LONG.getAcquire(mem, J_OVERFLOW_OUT));
    } else {
      LONG.setRelease(mem, J_TAKE_COUNT, (long) LONG.getAcquire(mem, TAKE_COUNT));
      LONG.setRelease(mem, J_OVERFLOW_OUT, (long) LONG.getAcquire(mem, OVERFLOW_OUT));
    }
  }

  // ------------------------------------------------------------------------------------ state

  /**
   * Returns the number of items, exact when no one else is operating on the ring, otherwise a value
   * it had recently.
   */
  public long size() {
    long taken = (long) LONG.getAcquire(mem, TAKE_COUNT);
    long put = (long) LONG.getAcquire(mem, PUT_COUNT);
    return Math.max(0, put - taken);
  }

  /** Returns whether the ring holds no record (as of the moment of the reads). */
  public boolean isEmpty() {
    return !hasRecord();
  }

  /** Returns whether {@link #maxItems()} items are held. */
  public boolean isFullByCount() {
    return maxItems > 0 && size() >= maxItems;
  }

  /** Returns the memory the ring lives in, for structures that extend its header. */
  public MemorySegment memory() {
    return mem;
  }

  /** Returns the number of items appended since creation. */
  public long putCount() {
    return (long) LONG.getAcquire(mem, PUT_COUNT);
  }

  /** Returns the number of items removed since creation. */
  public long takeCount() {
    return (long) LONG.getAcquire(mem, TAKE_COUNT);
  }

  // ------------------------------------------------------------------------------------ locks

  /**
   * Takes a shared lock, repairing after a dead holder.
   *
   * @return false if the timeout elapsed (the lock is not held)
   */
  private boolean lock(BiasedLock lock, boolean putSide, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    if (!interruptible) {
      lockUninterruptibly(lock, putSide);
      return true;
    }
    int r = lock.lock(timeoutNanos);
    if (r == RobustLock.RECOVERED) {
      repair(putSide);
    }
    return r != RobustLock.TIMED_OUT;
  }

  private void lockUninterruptibly(BiasedLock lock, boolean putSide) {
    if (lock.lockUninterruptibly() == RobustLock.RECOVERED) {
      repair(putSide);
    }
  }

  private void repair(boolean putSide) {
    if (putSide) {
      repairPut();
    } else {
      repairTake();
    }
  }

  @Override
  public String toString() {
    return "MpmcRingBuffer["
        + segment.name()
        + ", "
        + capacity
        + " bytes, "
        + size()
        + " items, put lock "
        + putLock
        + ", take lock "
        + takeLock
        + "]";
  }
}
