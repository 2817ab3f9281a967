package org.multiprocessing4j.internal.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.QueueOptions;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.ring.MpmcRingBuffer;
import org.multiprocessing4j.internal.ring.RingLayout;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.sync.RobustLock;

/**
 * One pipe as seen from this JVM: a ring per direction, and a control file that records which
 * processes use each end, so that the other end can tell when none is left.
 *
 * <pre>
 *   control file:   0 ┌ int MAGIC "MP4P" │ int VERSION ┐
 *                  64 │ RobustLock: the table lock (below)  │
 *                   LINE × 2 × e ┌ long FLAGS (UNTRACKED: a process could not be recorded) ┐
 *                               │ long users[16]: ProcessIdentity tokens, WEAK bit = creator   │
 *                               │ long HANDED_BY: token of the process that handed it out,     │
 *                               │      until another process records itself                    │
 *                               └──────────────────────────────────────────────────────────────┘
 *   rings:          toFirst (second → first), toSecond (first → second; absent if one-way)
 * </pre>
 *
 * <h2>Who uses an end</h2>
 *
 * A process records its token in an end's table the first time it sends, receives or polls through
 * it, and removes it when it closes the end. The creator is recorded in both tables at creation
 * with the WEAK bit, and weak entries are removed as soon as another process records itself: the
 * end has been handed over. An end is <em>gone</em> once its table has had an entry and holds no
 * token of a live process ({@link ProcessIdentity#isAlive(long)}; dead entries are cleared by
 * whoever checks). A full table sets UNTRACKED, and the end is then never considered gone.
 *
 * <h2>The table lock</h2>
 *
 * Registering, unregistering and the gone check each read and write several slots, and another
 * process must not see those steps half done: a check scans slot by slot, and a process recording
 * itself in a slot the scan has passed while another leaves a slot the scan has not reached yet
 * would read as an empty table (a spurious end of stream, though the end was held throughout); an
 * unregister that decided to leave a weak entry while a receiver recorded itself would leave that
 * weak entry behind, and the end would never be gone while its creator lives. So the three hold a
 * {@link RobustLock} in the control file. It is held for a scan of 16 slots (the gone check also
 * reads {@code /proc} for each recorded process), and a holder that dies has it taken over: what it
 * left half done is at worst a dead entry (cleared by the next check) or a weak one.
 *
 * <h2>Handles in one JVM</h2>
 *
 * The table records processes, not handles: a JVM may hold several handles of one end (a connection
 * deserialized twice, or received again through a queue). This core counts the open handles of each
 * end in this JVM, and only the close of the last one removes the process from the table; closing
 * one of two handles leaves the end open for the other.
 */
final class PipeCore {

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  /** "MP4P". */
  private static final int MAGIC_VALUE = 0x4d503450;

  private static final int VERSION_VALUE = 3;
  private static final long MAGIC = 0;
  private static final long VERSION = 4;
  private static final long TABLE_LOCK = 64;
  private static final long END_BASE = 2L * RingLayout.LINE;
  private static final long END_STRIDE = 2L * RingLayout.LINE;
  private static final long FLAGS = 0;
  private static final long USERS = 8;
  private static final int SLOTS = 16;
  private static final long HANDED_BY = USERS + 8L * SLOTS;
  private static final long CONTROL_SIZE = END_BASE + 2 * END_STRIDE;

  private static final long UNTRACKED = 1;
  private static final long WEAK = Long.MIN_VALUE;

  /** System property: bytes of each direction's ring of a new pipe (a power of two). */
  static final String RING_BYTES_PROPERTY = "mp4j.pipe.ringBytes";

  /** Bytes of each direction's ring when {@link #RING_BYTES_PROPERTY} is not set: 256 KiB. */
  static final long DEFAULT_RING_BYTES = 256L << 10;

  private static final ConcurrentMap<String, WeakReference<PipeCore>> CORES =
      new ConcurrentHashMap<>();

  private final SharedSegment control;
  private final MemorySegment mem;
  private final RobustLock tableLock;
  private final AtomicIntegerArray openHandles = new AtomicIntegerArray(2); // per end, this JVM
  final MpmcRingBuffer toFirst;
  final @Nullable MpmcRingBuffer toSecond;

  private PipeCore(
      SharedSegment control, MpmcRingBuffer toFirst, @Nullable MpmcRingBuffer toSecond) {
    this.control = control;
    this.mem = control.memory();
    this.tableLock = new RobustLock(mem, TABLE_LOCK);
    this.toFirst = toFirst;
    this.toSecond = toSecond;
  }

  /** Creates a pipe in {@code owner}'s memory, with this process recorded weakly on both ends. */
  static PipeCore create(SegmentOwner owner, boolean duplex) {
    long ringBytes = ringBytes(); // checked before anything is created
    SharedSegment control = owner.create("p", CONTROL_SIZE);
    MpmcRingBuffer toFirst = ring(owner, ringBytes);
    MpmcRingBuffer toSecond = duplex ? ring(owner, ringBytes) : null;
    MemorySegment m = control.memory();
    long me = ProcessIdentity.selfToken() | WEAK;
    for (int end = 0; end < 2; end++) {
      LONG.set(m, END_BASE + end * END_STRIDE + USERS, me);
    }
    INT.set(m, VERSION, VERSION_VALUE);
    INT.setRelease(m, MAGIC, MAGIC_VALUE);
    PipeCore core = new PipeCore(control, toFirst, toSecond);
    CORES.values().removeIf(r -> r.get() == null); // forget pipes gone from this JVM
    CORES.put(control.name(), new WeakReference<>(core));
    return core;
  }

  /**
   * Returns the ring size of a new pipe: {@link #RING_BYTES_PROPERTY}, checked as a queue's ring
   * size is, or {@link #DEFAULT_RING_BYTES}.
   *
   * @throws IllegalArgumentException naming the property, if it is not a number or not an allowed
   *     ring size
   */
  static long ringBytes() {
    String v = System.getProperty(RING_BYTES_PROPERTY);
    if (v == null) {
      return DEFAULT_RING_BYTES;
    }
    try {
      long bytes = Long.parseLong(v.strip());
      QueueOptions.builder().ringBytes(bytes); // the queues' rule and message
      return bytes;
    } catch (IllegalArgumentException e) { // NumberFormatException too
      throw new IllegalArgumentException(
          "system property "
              + RING_BYTES_PROPERTY
              + "="
              + v
              + " (the bytes of each direction of a Pipe; unset, 256 KiB): "
              + e.getMessage(),
          e);
    }
  }

  private static MpmcRingBuffer ring(SegmentOwner owner, long ringBytes) {
    SharedSegment s = owner.create("p", RingLayout.segmentSize(ringBytes));
    // Large messages: the queues' default allowance (QueueOptions' one source of defaults).
    long overflowBudget =
        Queues.overflowBudget(QueueOptions.builder().ringBytes(ringBytes).build());
    return MpmcRingBuffer.create(s, ringBytes, 0, overflowBudget);
  }

  /** Returns this JVM's core for a pipe, attaching if needed. */
  static PipeCore attach(String control, String toFirst, @Nullable String toSecond) {
    while (true) {
      WeakReference<PipeCore> ref = CORES.get(control);
      PipeCore core = ref == null ? null : ref.get();
      if (core != null) {
        return core;
      }
      SharedSegment c = SharedSegment.attach(control);
      if ((int) INT.getAcquire(c.memory(), MAGIC) != MAGIC_VALUE
          || (int) INT.get(c.memory(), VERSION) != VERSION_VALUE) {
        throw new IllegalArgumentException(control + " does not hold a pipe of this version");
      }
      PipeCore fresh =
          new PipeCore(
              c,
              MpmcRingBuffer.attach(SharedSegment.attach(toFirst)),
              toSecond == null ? null : MpmcRingBuffer.attach(SharedSegment.attach(toSecond)));
      WeakReference<PipeCore> mine = new WeakReference<>(fresh);
      if (ref == null
          ? CORES.putIfAbsent(control, mine) == null
          : CORES.replace(control, ref, mine)) {
        return fresh;
      }
    }
  }

  String controlName() {
    return control.name();
  }

  /** Returns the ring that {@code end} receives from, or null if it cannot receive. */
  @Nullable MpmcRingBuffer incoming(int end) {
    return end == 0 ? toFirst : toSecond;
  }

  /** Returns the ring that {@code end} sends into, or null if it cannot send. */
  @Nullable MpmcRingBuffer outgoing(int end) {
    return end == 0 ? toSecond : toFirst;
  }

  private long base(int end) {
    return END_BASE + end * END_STRIDE;
  }

  /** Returns the offset of slot {@code i} of {@code end}'s table; for tests. */
  static long userSlot(int end, int i) {
    return END_BASE + end * END_STRIDE + USERS + 8L * i;
  }

  /** Takes the table lock (see the class notes), uninterruptibly. */
  private void lockTable() {
    tableLock.lockUninterruptibly(); // RECOVERED needs no repair: see the class notes
  }

  /**
   * Counts one more open handle of {@code end} in this JVM. Under this core's lock, as {@link
   * #closed} is: a handle opened while the last one closes must not have its process's entry
   * removed after it counted itself.
   */
  synchronized void opened(int end) {
    openHandles.incrementAndGet(end);
  }

  /**
   * Counts one handle of {@code end} closed in this JVM, and removes this process from the end's
   * users if it was the last ({@link #unregister}).
   */
  synchronized void closed(int end) {
    if (openHandles.decrementAndGet(end) <= 0) {
      unregister(end);
    }
  }

  /**
   * Records this process as a user of {@code end}, dropping the creator's weak entries; a process
   * other than the one that handed the end out completes the hand-over.
   *
   * <p>The entry is placed in one atomic step, replacing a weak entry where there is one, before
   * the other weak entries are dropped: a process checking {@link #isGone} meanwhile must never
   * find the table empty, or it would report end of stream before this process sent anything.
   */
  synchronized void register(int end) {
    long base = base(end);
    long me = ProcessIdentity.selfToken();
    lockTable();
    try {
      long handedBy = (long) LONG.getVolatile(mem, base + HANDED_BY);
      if (handedBy != 0 && handedBy != me) {
        LONG.compareAndSet(mem, base + HANDED_BY, handedBy, 0L);
      }
      if (!placed(base, me)) {
        LONG.getAndBitwiseOr(mem, base + FLAGS, UNTRACKED);
      }
      for (int i = 0; i < SLOTS; i++) {
        long at = base + USERS + 8L * i;
        long v = (long) LONG.getVolatile(mem, at);
        if (v != 0 && (v & WEAK) != 0) {
          LONG.compareAndSet(mem, at, v, 0L);
        }
      }
    } finally {
      tableLock.unlock();
    }
  }

  /**
   * Ensures {@code me} has an entry at {@code base}: present already, or written over a weak entry
   * (preferred) or a free slot. Returns false if the table is full of strong entries.
   */
  private boolean placed(long base, long me) {
    for (int i = 0; i < SLOTS; i++) {
      if ((long) LONG.getVolatile(mem, base + USERS + 8L * i) == me) {
        return true;
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < SLOTS; i++) {
        long at = base + USERS + 8L * i;
        long v = (long) LONG.getVolatile(mem, at);
        boolean wanted = pass == 0 ? v != 0 && (v & WEAK) != 0 : v == 0;
        if (wanted && LONG.compareAndSet(mem, at, v, me)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Records that this process serialized {@code end} to hand it to another process. */
  void handedOut(int end) {
    LONG.setVolatile(mem, base(end) + HANDED_BY, ProcessIdentity.selfToken());
  }

  /**
   * Removes this process from {@code end}'s users. If this process handed the end out and no other
   * process holds it yet (Python's {@code child_conn.close()} in the parent right after {@code
   * start()}), it keeps a weak entry, so the other end does not see end of stream before the child
   * has attached; the child's registration drops it, and ends the hand-over, so that the child's
   * own close later is a plain close (end of stream for the other end).
   */
  private void unregister(int end) {
    long base = base(end);
    long me = ProcessIdentity.selfToken();
    lockTable();
    try {
      boolean others = false;
      for (int i = 0; i < SLOTS; i++) {
        long v = (long) LONG.getVolatile(mem, base + USERS + 8L * i);
        others |= v != 0 && (v & ~WEAK) != me;
      }
      boolean keepWeak = !others && (long) LONG.getVolatile(mem, base + HANDED_BY) == me;
      for (int i = 0; i < SLOTS; i++) {
        long at = base + USERS + 8L * i;
        long v = (long) LONG.getVolatile(mem, at);
        if (v == me || v == (me | WEAK)) {
          LONG.compareAndSet(mem, at, v, keepWeak ? me | WEAK : 0L);
          keepWeak = false; // one weak entry is enough
        }
      }
    } finally {
      tableLock.unlock();
    }
  }

  /**
   * Returns whether {@code end} is gone: used by some process, and now by no live one. Reads {@code
   * /proc} for each recorded process other than this one; call at most every few tens of
   * milliseconds.
   */
  boolean isGone(int end) {
    long base = base(end);
    long flags = (long) LONG.getVolatile(mem, base + FLAGS);
    if ((flags & UNTRACKED) != 0) {
      return false;
    }
    lockTable(); // a scan is not atomic: no process may record itself meanwhile (class notes)
    try {
      for (int i = 0; i < SLOTS; i++) {
        long at = base + USERS + 8L * i;
        long v = (long) LONG.getVolatile(mem, at);
        if (v == 0) {
          continue;
        }
        if (ProcessIdentity.isAlive(v & ~WEAK)) {
          return false;
        }
        LONG.compareAndSet(mem, at, v, 0L); // dead: clear for the next checker
      }
      return true;
    } finally {
      tableLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "Pipe[" + control.name() + (toSecond == null ? ", one-way]" : ", duplex]");
  }
}
