package org.multiprocessing4j.internal.queue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.AbandonedTasksException;
import org.multiprocessing4j.Codec;
import org.multiprocessing4j.internal.codec.ValueCodec;
import org.multiprocessing4j.internal.ring.MpmcRingBuffer;
import org.multiprocessing4j.internal.ring.RingLayout;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.sync.EventCount;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * One queue as seen from this JVM: its ring, the codec around it, and whether it was closed here.
 * The public queue types are thin views over it.
 *
 * <p>A JVM holds at most one core per queue name, so that every handle of a queue in one process
 * shares the per-JVM locks of the ring and the closed flag (Python closes a queue per process). The
 * creator registers its core; a deserialized handle looks it up or attaches.
 */
public final class QueueCore {

  /** Returned by {@link #get} when no item came in time. */
  public static final Object NONE = new Object();

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private static final ConcurrentMap<String, WeakReference<QueueCore>> CORES =
      new ConcurrentHashMap<>();

  private final MpmcRingBuffer ring;
  private final @Nullable Codec<?> codec;
  private final EventCount allTasksDone;
  private volatile @Nullable TaskTable tasks; // joinable queues only
  private volatile boolean closed;

  private QueueCore(MpmcRingBuffer ring, @Nullable Codec<?> codec) {
    this.ring = ring;
    this.codec = codec;
    this.allTasksDone = new EventCount(ring.memory(), RingLayout.ALL_TASKS_DONE);
  }

  /**
   * Creates a queue in {@code owner}'s shared memory.
   *
   * @param maxItems the most items, or 0
   * @param ringBytes the ring's data bytes; a power of two
   * @param overflowBudget the most bytes in overflow files at once, or 0 for no limit
   * @param codec the user's codec, or null for the built-in encoding
   */
  public static QueueCore create(
      SegmentOwner owner,
      long maxItems,
      long ringBytes,
      long overflowBudget,
      @Nullable Codec<?> codec) {
    RingLayout.checkCapacity(ringBytes);
    SharedSegment segment = owner.create("q", RingLayout.segmentSize(ringBytes));
    QueueCore core =
        new QueueCore(MpmcRingBuffer.create(segment, ringBytes, maxItems, overflowBudget), codec);
    CORES.values().removeIf(r -> r.get() == null); // forget queues gone from this JVM
    CORES.put(segment.name(), new WeakReference<>(core));
    return core;
  }

  /**
   * Returns this JVM's core for the queue named {@code name}, attaching to it if needed.
   *
   * @param codec the codec that travelled with the handle (every handle of a queue carries the
   *     creator's), or null
   * @throws org.multiprocessing4j.internal.shm.SegmentGoneException if the queue's owner released
   *     it
   */
  public static QueueCore attach(String name, @Nullable Codec<?> codec) {
    while (true) {
      WeakReference<QueueCore> ref = CORES.get(name);
      QueueCore core = ref == null ? null : ref.get();
      if (core != null) {
        return core;
      }
      QueueCore fresh = new QueueCore(MpmcRingBuffer.attach(SharedSegment.attach(name)), codec);
      WeakReference<QueueCore> mine = new WeakReference<>(fresh);
      if (ref == null ? CORES.putIfAbsent(name, mine) == null : CORES.replace(name, ref, mine)) {
        return fresh;
      }
    }
  }

  /** Returns the queue's name: the file its memory lives in. */
  public String name() {
    return ring.name();
  }

  /** Returns the user's codec, or null for the built-in encoding. */
  public @Nullable Codec<?> codec() {
    return codec;
  }

  /** Returns the ring, for tests and diagnostics. */
  public MpmcRingBuffer ring() {
    return ring;
  }

  /**
   * Closes the queue in this JVM, and removes the overflow files of producers that died in the
   * middle of a put (see {@link MpmcRingBuffer#sweepOrphanOverflow()}).
   */
  public void close() {
    closed = true;
    try {
      ring.sweepOrphanOverflow();
    } catch (RuntimeException e) {
      // The context was closed (its files are gone already), or /dev/shm cannot be listed: the
      // owner's close or the next sweep removes what is left.
    }
  }

  /** Returns whether {@link #close()} was called in this JVM. */
  public boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("queue " + name() + " is closed in this process");
    }
  }

  /**
   * Encodes and appends an item.
   *
   * @return false if there was no room in time
   * @throws org.multiprocessing4j.UnserializableValueException if the item cannot be encoded
   */
  public boolean put(@Nullable Object item, long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    checkOpen();
    ValueCodec.Encoded e = ValueCodec.encode(item, codec, "the queue item");
    try {
      return ring.offer(e.type(), e.length(), e, timeoutNanos, interruptible);
    } catch (IllegalStateException ex) {
      throw translate(ex);
    }
  }

  /**
   * Removes and decodes the head item.
   *
   * @return the item (null for a null item), or {@link #NONE} if none came in time
   * @throws org.multiprocessing4j.UndecodableValueException if the item cannot be decoded here
   */
  public @Nullable Object get(long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    checkOpen();
    Object read;
    try {
      read = ring.poll(ValueCodec::read, timeoutNanos, interruptible);
    } catch (IllegalStateException ex) {
      throw translate(ex);
    }
    if (read == null) {
      return NONE;
    }
    TaskTable t = tasks;
    if (t != null) {
      t.took(); // before decoding: an undecodable item is a task taken all the same
    }
    if (ValueCodec.isFinished(read)) {
      return read; // a built-in value, decoded already: no class loader needed
    }
    return ValueCodec.finish(read, loader(), codec);
  }

  /** Returns the head item without removing it, or {@link #NONE}. */
  public @Nullable Object peek() {
    checkOpen();
    Object read;
    try {
      read = ring.peek(ValueCodec::read);
    } catch (IllegalStateException ex) {
      throw translate(ex);
    }
    return read == null ? NONE : ValueCodec.finish(read, loader(), codec);
  }

  /** Returns a snapshot of the items, head first. */
  public List<@Nullable Object> snapshot() {
    checkOpen();
    List<Object> raw = new ArrayList<>();
    try {
      ring.forEach(ValueCodec::read, raw::add);
    } catch (IllegalStateException ex) {
      throw translate(ex);
    }
    List<@Nullable Object> items = new ArrayList<>(raw.size());
    for (Object r : raw) {
      items.add(ValueCodec.finish(r, loader(), codec));
    }
    return items;
  }

  /** Returns the number of items (see {@link MpmcRingBuffer#size()}). */
  public long size() {
    return ring.size();
  }

  /** Returns whether the queue holds no item. */
  public boolean isEmpty() {
    return ring.isEmpty();
  }

  /** Returns the most items, or 0. */
  public long maxItems() {
    return ring.maxItems();
  }

  // ----------------------------------------------------------------------- JoinableQueue support

  /** How often a waiting {@link #joinTasks} looks for dead holders of unfinished tasks. */
  static final long JOIN_SLICE_NANOS = 100_000_000L;

  /**
   * Starts recording which process holds unfinished tasks; for joinable queues.
   *
   * @param create whether this is the queue's creator, which makes the table
   */
  synchronized void trackTasks(boolean create) {
    if (tasks == null) {
      tasks = create ? TaskTable.create(name()) : TaskTable.attach(name());
    }
  }

  /**
   * Counts one item done.
   *
   * @throws IllegalStateException if more items were reported done than were put
   */
  public void taskDone() {
    checkOpen();
    MemorySegment m = ring.memory();
    while (true) {
      long done = (long) LONG.getVolatile(m, RingLayout.TASKS_DONE);
      // TAKE_COUNT too: a consumer may report an item whose producer has not yet bumped PUT_COUNT.
      if (done >= Math.max(ring.putCount(), ring.takeCount())) {
        throw new IllegalStateException(
            "taskDone() called more times than items were put on queue " + name());
      }
      if (LONG.compareAndSet(m, RingLayout.TASKS_DONE, done, done + 1)) {
        TaskTable t = tasks;
        if (t != null) {
          t.done();
        }
        allTasksDone.signalAll();
        return;
      }
    }
  }

  /**
   * Waits until every item put was reported done; false if the timeout elapsed first.
   *
   * @throws AbandonedTasksException if a dead process holds unfinished tasks
   */
  public boolean joinTasks(long timeoutNanos) throws InterruptedException {
    MemorySegment m = ring.memory();
    BooleanSupplier allDone =
        () -> (long) LONG.getVolatile(m, RingLayout.TASKS_DONE) >= ring.putCount();
    long start = System.nanoTime();
    while (true) {
      long slice = JOIN_SLICE_NANOS;
      if (timeoutNanos != Waiting.FOREVER) {
        slice = Math.min(slice, Math.max(0, timeoutNanos - (System.nanoTime() - start)));
      }
      if (allTasksDone.await(allDone, slice)) {
        return true;
      }
      TaskTable t = tasks;
      TaskTable.DeadHolder dead = t == null ? null : t.deadHolder();
      if (dead != null && !allDone.getAsBoolean()) {
        throw new AbandonedTasksException(
            "join() cannot return: process "
                + dead.pid()
                + " died holding "
                + dead.tasks()
                + " unfinished task(s) of queue "
                + name()
                + " (it took them with get() and never called taskDone()); they are lost. Call"
                + " taskDone() once per lost task (after putting the items again, if they must be"
                + " processed) to write them off.",
            dead.pid(),
            dead.tasks());
      }
      if (timeoutNanos != Waiting.FOREVER && System.nanoTime() - start >= timeoutNanos) {
        return false;
      }
    }
  }

  // --------------------------------------------------------------------------------- internals

  private RuntimeException translate(IllegalStateException e) {
    if (!ring.memory().scope().isAlive()) {
      return new IllegalStateException(
          "queue " + name() + " is gone: the context that created it was closed", e);
    }
    return e;
  }

  private static ClassLoader loader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null
        ? context
        : Objects.requireNonNull(QueueCore.class.getClassLoader(), "no class loader");
  }

  @Override
  public String toString() {
    return ring.toString();
  }
}
