package org.multiprocessing4j.internal.sync;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * The shared memory of one context's synchronisation objects (locks, semaphores, events,
 * conditions, barriers, shared numbers): one file, carved into cache-line aligned blocks by a bump
 * pointer that any process can advance.
 *
 * <pre>
 *   offset 0     long  MAGIC                 written once by the creator
 *   offset 8     long  next free offset      advanced by compareAndSet, from any process
 *   offset 16    int   flags                 bit 0: deadlock detection on
 *   offset 20    int   wait sequence         numbers the waits published in the wait table
 *   offset 24    long  objects allocated     names objects in reports (ProcessLock#n)
 *   offset 4096  wait table                  {@link WaitGraph}: who waits for which lock
 *   offset {@link #FIRST_OBJECT}  objects, each at a multiple of 64
 * </pre>
 *
 * <h2>Design</h2>
 *
 * An object is named across processes by the file's name and its offset, so it travels to a child
 * as those two values and is re-attached there ({@link #attach(String)} maps the file once per
 * process). One file for all objects of a context keeps the number of mappings and files small, and
 * lets the deadlock detector follow a chain of waits from lock to lock by offset. The file is
 * sparse ({@link #HEAP_BYTES} of address space, pages allocated when first touched) and blocks are
 * never freed: an object's memory is released with the context. Any process may allocate (a child
 * calling {@code newCondition()} on a lock it received), since the bump pointer is in the shared
 * memory.
 *
 * <h2>Failure</h2>
 *
 * Allocation is one compareAndSet; a process killed in the middle of initialising a block it
 * allocated leaves an unreachable block. Zero-filled memory is the valid initial state of every
 * object, so a creator initialises only what is not zero before handing the object out.
 */
public final class SyncHeap {

  /** Address space of the file; only the pages touched take memory. */
  public static final long HEAP_BYTES = 64L << 20;

  /** Objects start at multiples of this, each on cache lines of its own. */
  public static final int ALIGNMENT = 64;

  static final long MAGIC_OFFSET = 0;
  static final long NEXT_FREE_OFFSET = 8;
  static final long FLAGS_OFFSET = 16;
  static final long WAIT_SEQUENCE_OFFSET = 20;
  static final long OBJECT_COUNT_OFFSET = 24;

  /** Where the wait table starts. */
  static final long WAIT_TABLE_OFFSET = 4096;

  /** Where objects start: after the wait table. */
  static final long FIRST_OBJECT = WAIT_TABLE_OFFSET + WaitGraph.TABLE_BYTES;

  static final int FLAG_DETECT_DEADLOCKS = 1;

  private static final long MAGIC = 0x6d70346a_73796e63L; // "mp4jsync"

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  /** Every heap this process created or attached to, by file name. */
  private static final ConcurrentMap<String, SyncHeap> HEAPS = new ConcurrentHashMap<>();

  private final SharedSegment segment;
  private final MemorySegment memory;
  private final WaitGraph waits;

  private SyncHeap(SharedSegment segment) {
    this.segment = segment;
    this.memory = segment.memory();
    this.waits = new WaitGraph(this);
  }

  /**
   * Creates the heap of a context.
   *
   * @param owner the context's files, which removes this one at close
   * @return the new heap, registered so that handles deserialized in this process find it
   */
  public static SyncHeap create(SegmentOwner owner) {
    SyncHeap heap = new SyncHeap(owner.create("y", HEAP_BYTES));
    LONG.setVolatile(heap.memory, NEXT_FREE_OFFSET, FIRST_OBJECT);
    LONG.setVolatile(heap.memory, MAGIC_OFFSET, MAGIC);
    HEAPS.put(heap.name(), heap);
    return heap;
  }

  /**
   * Returns the heap named {@code name}, mapping it if this process has not yet.
   *
   * @param name the file name, from {@link #name()} in the creating process
   * @return the heap
   * @throws org.multiprocessing4j.internal.shm.SegmentGoneException if its context was closed or
   *     its process ended
   * @throws IllegalStateException if the file is not a heap
   */
  public static SyncHeap attach(String name) {
    SyncHeap heap = HEAPS.get(name);
    if (heap != null) {
      return heap;
    }
    return HEAPS.computeIfAbsent(
        name,
        n -> {
          SyncHeap h = new SyncHeap(SharedSegment.attach(n));
          if ((long) LONG.getVolatile(h.memory, MAGIC_OFFSET) != MAGIC
              || h.memory.byteSize() < FIRST_OBJECT) {
            throw new IllegalStateException("not a synchronisation heap: " + n);
          }
          return h;
        });
  }

  /** Returns every heap this process has created or attached to and not forgotten. */
  static Collection<SyncHeap> known() {
    return HEAPS.values();
  }

  /** Forgets a heap whose context closed, so that later handles fail to attach. */
  public void forget() {
    HEAPS.remove(name(), this);
  }

  /** Returns the file name, which names the heap in every process. */
  public String name() {
    return segment.name();
  }

  /** Returns the mapped memory. */
  public MemorySegment memory() {
    return memory;
  }

  /** Returns the wait table. */
  WaitGraph waits() {
    return waits;
  }

  /**
   * Reserves {@code bytes} (rounded up to {@link #ALIGNMENT}), zero-filled.
   *
   * @param bytes the size of the object
   * @return the offset of the block
   * @throws IllegalStateException if the heap is used up, or its context closed
   */
  public long allocate(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("bytes <= 0: " + bytes);
    }
    long size = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
    while (true) {
      long at = (long) LONG.getVolatile(memory, NEXT_FREE_OFFSET);
      if (at + size > memory.byteSize()) {
        throw new IllegalStateException(
            "the context's shared memory for locks, semaphores, events and shared values is used"
                + " up ("
                + (memory.byteSize() >> 20)
                + " MiB): create fewer objects (they are freed only when their context closes),"
                + " or spread them over several contexts");
      }
      if (LONG.compareAndSet(memory, NEXT_FREE_OFFSET, at, at + size)) {
        return at;
      }
    }
  }

  /** Returns a number, unique in this heap, to name a new object in reports. */
  public long nextObjectNumber() {
    return (long) LONG.getAndAdd(memory, OBJECT_COUNT_OFFSET, 1L) + 1;
  }

  /** Returns whether deadlock detection is on for the objects of this heap. */
  public boolean detectDeadlocks() {
    return ((int) INT.getVolatile(memory, FLAGS_OFFSET) & FLAG_DETECT_DEADLOCKS) != 0;
  }

  /** Turns deadlock detection on or off, for every process using this heap. */
  public void setDetectDeadlocks(boolean on) {
    while (true) {
      int f = (int) INT.getVolatile(memory, FLAGS_OFFSET);
      int g = on ? f | FLAG_DETECT_DEADLOCKS : f & ~FLAG_DETECT_DEADLOCKS;
      if (f == g || INT.compareAndSet(memory, FLAGS_OFFSET, f, g)) {
        return;
      }
    }
  }

  /** Returns the number of the next wait published in the wait table. */
  int nextWaitSequence() {
    return (int) INT.getAndAdd(memory, WAIT_SEQUENCE_OFFSET, 1) + 1;
  }

  @Override
  public String toString() {
    return "SyncHeap[" + name() + "]";
  }
}
