package org.multiprocessing4j.internal.sync;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Deadlock;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessCondition;
import org.multiprocessing4j.ProcessEvent;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessSemaphore;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.ReentrantProcessLock;
import org.multiprocessing4j.SharedDouble;
import org.multiprocessing4j.SharedDoubleArray;
import org.multiprocessing4j.SharedLong;
import org.multiprocessing4j.SharedLongArray;
import org.multiprocessing4j.SharedMemory;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/**
 * The synchronisation objects and shared values of one local context: creates them in the context's
 * {@link SyncHeap} (made on first use), and releases its shared memory at close.
 */
public final class LocalSync implements AutoCloseable {

  private final SegmentOwner owner = SegmentOwner.open();
  private @Nullable SyncHeap heap; // guarded by this
  private boolean detectDeadlocks; // guarded by this; applied when the heap is made
  private final AtomicLong blocks = new AtomicLong();
  private final Set<ShmSharedMemory> created = new LinkedHashSet<>(); // guarded by this

  /** Returns the heap, creating it on first use. */
  synchronized SyncHeap heap() {
    SyncHeap h = heap;
    if (h == null) {
      h = SyncHeap.create(owner);
      h.setDetectDeadlocks(detectDeadlocks);
      heap = h;
    }
    return h;
  }

  /** Creates a {@link ProcessLock}. */
  public ProcessLock lock() {
    return ShmLock.create(heap());
  }

  /** Creates a {@link ReentrantProcessLock}. */
  public ReentrantProcessLock reentrantLock() {
    return ShmReentrantLock.create(heap());
  }

  /**
   * Creates a semaphore; {@code bounded} refuses releases beyond {@code permits}; {@code giveBack}
   * returns the permits of holders that end.
   */
  public ProcessSemaphore semaphore(int permits, boolean bounded, boolean giveBack) {
    return ShmSemaphore.create(heap(), permits, bounded, giveBack);
  }

  /** Creates a cleared event. */
  public ProcessEvent event() {
    return ShmEvent.create(heap());
  }

  /** Creates a barrier; {@code action} and {@code timeout} may be null. */
  public ProcessBarrier barrier(
      int parties, @Nullable ProcessTarget action, @Nullable Duration timeout) {
    return ShmBarrier.create(heap(), parties, action, timeout);
  }

  /** Creates a shared long. */
  public SharedLong sharedLong(long initial) {
    return ShmValue.createLong(heap(), initial);
  }

  /** Creates a shared double. */
  public SharedDouble sharedDouble(double initial) {
    return ShmValue.createDouble(heap(), initial);
  }

  /** Creates a shared long array of zeros. */
  public SharedLongArray sharedLongArray(int length) {
    return ShmArray.createLong(owner, heap(), length);
  }

  /** Creates a shared double array of zeros. */
  public SharedDoubleArray sharedDoubleArray(int length) {
    return ShmArray.createDouble(owner, heap(), length);
  }

  /** Creates a named block of zeroed shared memory, unlinked and closed with this context. */
  public SharedMemory sharedMemory(long sizeBytes) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("size must be positive: " + sizeBytes);
    }
    heap(); // the owner's first file: it sweeps, and removes our files at exit from now on
    ShmSharedMemory[] self = new ShmSharedMemory[1];
    ShmSharedMemory m =
        ShmSharedMemory.create(
            owner.prefix() + "m" + blocks.incrementAndGet(), sizeBytes, () -> forget(self[0]));
    self[0] = m;
    synchronized (this) {
      created.add(m);
    }
    return m;
  }

  /** A block closed by its user: this context no longer needs to close it. */
  private synchronized void forget(ShmSharedMemory m) {
    created.remove(m);
  }

  /** Returns how many blocks this context would close at its close, for tests. */
  synchronized int openBlocks() {
    return created.size();
  }

  /** Creates a condition with a new reentrant lock, as Python's {@code Condition()}. */
  public ProcessCondition condition() {
    return ShmCondition.create(ShmReentrantLock.create(heap()));
  }

  /**
   * Creates a condition bound to {@code lock}.
   *
   * @throws IllegalArgumentException if the lock is not a local process lock
   */
  public ProcessCondition condition(ProcessLock lock) {
    return ShmCondition.create(shmLock(lock));
  }

  static ShmLock shmLock(ProcessLock lock) {
    if (lock instanceof ShmLock l) {
      return l;
    }
    throw new IllegalArgumentException(
        "not a lock of a local context: " + lock + " (" + lock.getClass().getName() + ")");
  }

  /** Turns the deadlock detector on or off for every lock of this context, in every process. */
  public synchronized void setDeadlockDetection(boolean on) {
    detectDeadlocks = on;
    if (heap != null) {
      heap.setDetectDeadlocks(on);
    }
  }

  /** Returns the cycles of waits among this context's locks, now. */
  public List<Deadlock> findDeadlocks() {
    SyncHeap h;
    synchronized (this) {
      h = heap;
    }
    return h == null ? List.of() : h.waits().findAll();
  }

  /** Removes the context's shared memory; objects stop working in this process. Idempotent. */
  @Override
  public void close() {
    SyncHeap h;
    synchronized (this) {
      h = heap;
    }
    if (h != null) {
      h.forget();
    }
    owner.close();
    List<ShmSharedMemory> toClose;
    synchronized (this) {
      toClose = List.copyOf(created);
      created.clear();
    }
    for (ShmSharedMemory m : toClose) {
      m.close();
    }
  }
}
