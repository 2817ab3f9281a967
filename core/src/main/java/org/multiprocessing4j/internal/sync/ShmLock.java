package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.ProcessCondition;
import org.multiprocessing4j.ProcessDeadlockException;
import org.multiprocessing4j.ProcessLock;

/**
 * {@link ProcessLock} in a {@link SyncHeap}: a {@link RobustLock} whose owner is a thread of a
 * process, with the owner-died state, optional reentrancy ({@link ShmReentrantLock}) and published
 * waits for the deadlock detector. Layout: {@link LockLayout}.
 */
/*
 * Design
 *
 * The RobustLock's owner word (compareAndSet 0 -> process token) is the lock: any thread of any
 * process takes it by that one compareAndSet, so threads of one process exclude each other as well
 * as processes do; a second thread of the holding process finds the word non-zero like everyone
 * else. The owner thread id is bookkeeping beside it, written by the holder after acquiring and
 * cleared before releasing, used for the "held by the current thread" checks (which also compare
 * the process, since thread ids repeat across JVMs: every main thread is 1) and by the deadlock
 * detector. It carries the holder's pid as well: a dead holder's word is still there while a
 * recoverer goes from its compareAndSet of the owner process to its write of the owner thread,
 * and a thread of the recovering process with the dead holder's thread id must not read it as
 * its own (it would take a reentrant hold beside the recoverer, or release its lock).
 *
 * Uncontended lock + unlock is two compareAndSets, two plain stores and a volatile read of the
 * waiters' futex word.
 *
 * Waiting
 *
 * A contended acquire waits in slices of SLICE_NANOS (RobustLock.lock(slice): spin, yield, futex
 * waits; it checks the holder's liveness every 10 ms and takes over from a dead one). Between
 * slices the thread publishes its wait in the heap's wait table (once) and, with detection on,
 * looks for a cycle through itself. A cycle seen twice in a row with the same waits is real (see
 * WaitGraph); its victim throws ProcessDeadlockException, the others keep waiting.
 *
 * Failure
 *
 * A holder that dies leaves its token in the owner word; RobustLock replaces it and returns
 * RECOVERED, and the new holder sets the died flag before it does anything else, so the flag is set
 * whenever the protected data might be inconsistent, even if the recoverer dies in turn. The flag
 * is cleared only by markConsistent().
 */
public class ShmLock implements ProcessLock, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /** How long a contended acquire spins (with back-off) before it waits on the futex word. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

  /** The longest back-off between two looks at the lock while spinning, in spin-wait hints. */
  static final int MAX_BACKOFF_SPINS = 64;

  /** How long a contended acquire waits between looks at the wait table. */
  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final transient SyncHeap heap;
  private final transient long offset;
  private final transient MemorySegment memory;
  private final transient RobustLock robust;
  private final transient boolean reentrant;
  private final transient String name;

  ShmLock(SyncHeap heap, long offset, boolean reentrant) {
    this.heap = heap;
    this.offset = offset;
    this.memory = heap.memory();
    this.robust = new RobustLock(memory, offset + LockLayout.OWNER);
    this.reentrant = reentrant;
    int kind = (int) INT.getAcquire(memory, offset + LockLayout.KIND);
    int expected = reentrant ? LockLayout.KIND_REENTRANT : LockLayout.KIND_LOCK;
    if (kind != expected) {
      throw new IllegalStateException(
          "no " + LockLayout.name(expected, 0) + " at " + heap.name() + "+" + offset);
    }
    this.name = LockLayout.name(kind, (long) LONG.getAcquire(memory, offset + LockLayout.NUMBER));
  }

  /** Allocates and initialises a lock in {@code heap}. */
  static long allocate(SyncHeap heap, boolean reentrant) {
    long at = heap.allocate(LockLayout.LENGTH);
    MemorySegment m = heap.memory();
    LONG.setRelease(m, at + LockLayout.NUMBER, heap.nextObjectNumber());
    INT.setRelease(
        m, at + LockLayout.KIND, reentrant ? LockLayout.KIND_REENTRANT : LockLayout.KIND_LOCK);
    return at;
  }

  /** Creates a new non-reentrant lock in {@code heap}. */
  public static ShmLock create(SyncHeap heap) {
    return new ShmLock(heap, allocate(heap, false), false);
  }

  SyncHeap heap() {
    return heap;
  }

  long offset() {
    return offset;
  }

  // ------------------------------------------------------------------------------------ acquiring

  @Override
  public void lock() {
    try {
      acquire(Waiting.FOREVER, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible acquire was interrupted", e);
    }
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    acquire(Waiting.FOREVER, true);
  }

  @Override
  public boolean tryLock() {
    try {
      return acquire(0, false);
    } catch (InterruptedException e) {
      throw new AssertionError("a non-blocking acquire was interrupted", e);
    }
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return acquire(unit.toNanos(time), true);
  }

  @Override
  public Held hold() {
    lock();
    return new LockHold(this, ownerDied());
  }

  /**
   * Acquires, waiting at most {@code timeoutNanos}.
   *
   * @return true if acquired
   */
  final boolean acquire(long timeoutNanos, boolean interruptible) throws InterruptedException {
    long tid = Thread.currentThread().threadId();
    if (reentrant && isHeldBy(tid)) {
      long holds = (long) LONG.get(memory, offset + LockLayout.HOLDS);
      if (holds >= Integer.MAX_VALUE) {
        throw new Error("Maximum lock count exceeded"); // as ReentrantLock
      }
      LONG.set(memory, offset + LockLayout.HOLDS, holds + 1);
      return true;
    }
    int r = robust.lock(0);
    if (r == RobustLock.TIMED_OUT) {
      if (timeoutNanos <= 0) {
        return false;
      }
      r = contend(timeoutNanos, interruptible);
      if (r == RobustLock.TIMED_OUT) {
        return false;
      }
    }
    if (r == RobustLock.RECOVERED) {
      INT.setVolatile(memory, offset + LockLayout.DIED, 1); // before anything else: see Failure
    }
    LONG.setRelease(memory, offset + LockLayout.OWNER_THREAD, LockLayout.ownerThread(tid));
    if (reentrant) {
      LONG.set(memory, offset + LockLayout.HOLDS, 1L);
    }
    return true;
  }

  /**
   * Spins while the lock is held, trying it whenever it looks free, with exponential back-off
   * between looks: a contender that keeps reading the lock's cache line slows every acquire and
   * release of the holder, which under steady contention is most of the cost.
   *
   * @return the acquire result, or {@link RobustLock#TIMED_OUT} if the spin budget ran out
   */
  private int spin(long timeoutNanos) throws InterruptedException {
    long start = System.nanoTime();
    long budget = Math.min(SPIN_NANOS, timeoutNanos);
    int backoff = 1;
    while (true) {
      if (robust.holderPid() == 0) {
        int r = robust.lock(0);
        if (r != RobustLock.TIMED_OUT) {
          return r;
        }
      }
      for (int i = 0; i < backoff; i++) {
        Thread.onSpinWait();
      }
      backoff = Math.min(backoff << 1, MAX_BACKOFF_SPINS);
      if (System.nanoTime() - start >= budget) {
        return RobustLock.TIMED_OUT;
      }
    }
  }

  /** The slow path: waits in slices, publishing the wait and looking for deadlocks in between. */
  private int contend(long timeoutNanos, boolean interruptible) throws InterruptedException {
    int spun = spin(timeoutNanos);
    if (spun != RobustLock.TIMED_OUT) {
      return spun;
    }
    long start = System.nanoTime();
    boolean interrupted = false;
    WaitGraph.Registration wait = null;
    Set<List<Long>> lastCycle = null;
    long lastHolderPid = 0;
    try {
      while (true) {
        long remaining = Waiting.remaining(start, timeoutNanos);
        if (remaining <= 0) {
          return RobustLock.TIMED_OUT;
        }
        long holderPid = robust.holderPid();
        if (holderPid != 0) {
          lastHolderPid = holderPid;
        }
        int r;
        try {
          r = robust.lock(Math.min(remaining, SLICE_NANOS));
        } catch (InterruptedException e) {
          if (interruptible) {
            throw e;
          }
          interrupted = true;
          continue;
        }
        if (r != RobustLock.TIMED_OUT) {
          if (r == RobustLock.RECOVERED) {
            LONG.setRelease(memory, offset + LockLayout.DEAD_OWNER_PID, lastHolderPid);
          }
          return r;
        }
        if (wait == null) {
          wait = heap.waits().register(offset);
        }
        if (wait != null && heap.detectDeadlocks()) {
          lastCycle = checkDeadlock(wait, lastCycle);
        }
      }
    } finally {
      if (wait != null) {
        wait.close();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Looks for a cycle through this wait; throws if it was also seen last time and this thread is
   * its victim.
   *
   * @return the cycle seen now, to pass in next time; null if none
   */
  private static @Nullable Set<List<Long>> checkDeadlock(
      WaitGraph.Registration wait, @Nullable Set<List<Long>> lastCycle) {
    WaitGraph graph = wait.graph();
    List<WaitGraph.Member> cycle = graph.cycleThrough(wait);
    if (cycle == null) {
      return null;
    }
    Set<List<Long>> ids = WaitGraph.identities(cycle);
    WaitGraph.Member victim = WaitGraph.victim(cycle);
    if (ids.equals(lastCycle)
        && victim.token() == wait.token
        && victim.threadId() == wait.threadId) {
      throw new ProcessDeadlockException(graph.toDeadlock(cycle));
    }
    return ids;
  }

  // ------------------------------------------------------------------------------------ releasing

  @Override
  public void unlock() {
    long tid = Thread.currentThread().threadId();
    if (!isHeldBy(tid)) {
      throw new IllegalMonitorStateException(notHeldMessage("unlock"));
    }
    if (reentrant) {
      long holds = (long) LONG.get(memory, offset + LockLayout.HOLDS);
      if (holds > 1) {
        LONG.set(memory, offset + LockLayout.HOLDS, holds - 1);
        return;
      }
      LONG.set(memory, offset + LockLayout.HOLDS, 0L);
    }
    LONG.setRelease(memory, offset + LockLayout.OWNER_THREAD, 0L);
    robust.unlock();
  }

  /**
   * Releases every hold of the calling thread, for a condition wait.
   *
   * @return the hold count to restore with {@link #reacquire}
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  final long releaseAll() {
    long tid = Thread.currentThread().threadId();
    if (!isHeldBy(tid)) {
      throw new IllegalMonitorStateException(notHeldMessage("await or signal a condition of"));
    }
    long holds = reentrant ? (long) LONG.get(memory, offset + LockLayout.HOLDS) : 1;
    if (reentrant) {
      LONG.set(memory, offset + LockLayout.HOLDS, 0L);
    }
    LONG.setRelease(memory, offset + LockLayout.OWNER_THREAD, 0L);
    robust.unlock();
    return holds;
  }

  /** Acquires again, uninterruptibly, after a condition wait, restoring the hold count. */
  final void reacquire(long holds) {
    lock();
    if (reentrant) {
      LONG.set(memory, offset + LockLayout.HOLDS, holds);
    }
  }

  /** Checks that the calling thread holds the lock. */
  final void checkHeld(String what) {
    if (!isHeldBy(Thread.currentThread().threadId())) {
      throw new IllegalMonitorStateException(notHeldMessage(what));
    }
  }

  private String notHeldMessage(String what) {
    long pid = robust.holderPid();
    return "cannot "
        + what
        + " "
        + name
        + ": the calling thread does not hold it ("
        + (pid == 0
            ? "it is not held"
            : "it is held by pid "
                + pid
                + " thread "
                + LockLayout.threadOf(
                    (long) LONG.getAcquire(memory, offset + LockLayout.OWNER_THREAD)))
        + ")";
  }

  // ------------------------------------------------------------------------------------ state

  /**
   * Returns whether thread {@code threadId} of this process holds the lock. The owner-thread word
   * names the process too: after a holder in another process died, its word stays until the
   * recoverer writes its own, and a thread here with the dead holder's thread id must not take it
   * for its own meanwhile (see {@link LockLayout}).
   */
  final boolean isHeldBy(long threadId) {
    return (long) LONG.get(memory, offset + LockLayout.OWNER_THREAD)
            == LockLayout.ownerThread(threadId)
        && robust.isHeldByThisProcess();
  }

  @Override
  public boolean ownerDied() {
    return (int) INT.getVolatile(memory, offset + LockLayout.DIED) != 0;
  }

  @Override
  public void markConsistent() {
    checkHeld("mark consistent");
    INT.setVolatile(memory, offset + LockLayout.DIED, 0);
  }

  @Override
  public boolean isLocked() {
    return robust.holderPid() != 0;
  }

  @Override
  public boolean isHeldByCurrentThread() {
    return isHeldBy(Thread.currentThread().threadId());
  }

  /** Returns the hold count of the calling thread (reentrant locks: the count; else 0 or 1). */
  final int holdCount() {
    if (!isHeldBy(Thread.currentThread().threadId())) {
      return 0;
    }
    return reentrant ? (int) (long) LONG.get(memory, offset + LockLayout.HOLDS) : 1;
  }

  @Override
  public ProcessCondition newCondition() {
    return ShmCondition.create(this);
  }

  @Override
  public String toString() {
    long pid = robust.holderPid();
    StringBuilder s = new StringBuilder(name).append('[');
    if (pid == 0) {
      s.append("unlocked");
    } else {
      s.append("locked by pid ")
          .append(pid)
          .append(" thread ")
          .append(
              LockLayout.threadOf(
                  (long) LONG.getAcquire(memory, offset + LockLayout.OWNER_THREAD)));
    }
    if (ownerDied()) {
      s.append(", owner died (pid ")
          .append((long) LONG.getAcquire(memory, offset + LockLayout.DEAD_OWNER_PID))
          .append(')');
    }
    return s.append(']').toString();
  }

  /** Returns the name used in reports, such as {@code ProcessLock#3}. */
  final String name() {
    return name;
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: where the lock is. */
  private record Ref(String heap, long offset, boolean reentrant) implements Serializable {
    @Serial
    private Object readResolve() {
      SyncHeap h = SyncHeap.attach(heap);
      return reentrant ? new ShmReentrantLock(h, offset) : new ShmLock(h, offset, false);
    }
  }

  @Serial
  protected final Object writeReplace() {
    return new Ref(heap.name(), offset, reentrant);
  }

  /** A hold of a lock, released once by {@link #close()}. */
  private static final class LockHold implements Held {
    private final ShmLock lock;
    private final boolean ownerDied;
    private boolean closed; // accessed by the holding thread only

    LockHold(ShmLock lock, boolean ownerDied) {
      this.lock = lock;
      this.ownerDied = ownerDied;
    }

    @Override
    public boolean ownerDied() {
      return ownerDied;
    }

    @Override
    public void close() {
      if (!closed) {
        lock.unlock();
        closed = true;
      }
    }

    @Override
    public String toString() {
      return "Held[" + lock.name() + (ownerDied ? ", owner died]" : "]");
    }
  }
}
