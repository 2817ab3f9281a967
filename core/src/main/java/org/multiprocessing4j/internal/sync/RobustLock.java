package org.multiprocessing4j.internal.sync;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * A mutual-exclusion lock between processes, in shared memory, that the others take over when its
 * holder's process dies: Linux's robust futexes, in Java.
 *
 * <pre>
 *   offset +0   long  owner   0 = free, else the holder's ProcessIdentity token (pid | start time)
 *   offset +8   int   EventCount "released", waited on by contenders
 *   offset +12  int   (unused)
 * </pre>
 *
 * <h2>Design</h2>
 *
 * The owner word names a <em>process</em>, not a thread: threads of one process exclude each other
 * through the same word (a thread of the holding process that contends simply waits, and is never
 * mistaken for a dead holder), but the word cannot tell them apart, so the caller must make sure
 * that only the thread that locked calls {@link #unlock()}. Acquiring is one compareAndSet (0 → my
 * token); releasing is one compareAndSet back, then a signal to waiters.
 *
 * <h2>Failure</h2>
 *
 * A contender that has waited {@link #LIVENESS_CHECK_NANOS} checks, at most that often, whether the
 * owner's process still runs ({@link ProcessIdentity#isAlive(long)}, immune to pid reuse). If not,
 * it replaces the dead token with its own by compareAndSet, and {@link #lock} returns {@link
 * #RECOVERED}: the caller then owns whatever half-finished state the dead holder left and must
 * repair it before relying on it. A holder that is alive but stuck (stopped, or in a long GC pause)
 * is waited for: the lock is never taken from a live process. Once the owner word names a process
 * the holder's death is certain to be noticed, since nothing else can write that token.
 */
public final class RobustLock {

  /** Bytes taken in shared memory. */
  public static final int LENGTH = 16;

  /** {@link #lock} result: the timeout elapsed. */
  public static final int TIMED_OUT = 0;

  /** {@link #lock} result: acquired from a live or no previous holder. */
  public static final int ACQUIRED = 1;

  /** {@link #lock} result: acquired from a holder whose process had died; repair the state. */
  public static final int RECOVERED = 2;

  /** How long a contender waits before asking whether the holder still lives, and how often. */
  static final long LIVENESS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final MemorySegment memory;
  private final long offset;
  private final EventCount released;

  /**
   * Uses {@link #LENGTH} bytes at {@code offset} of {@code memory}.
   *
   * @param memory shared memory; zero-filled means unlocked
   * @param offset an 8-byte aligned offset
   */
  public RobustLock(MemorySegment memory, long offset) {
    if ((offset & 7) != 0) {
      throw new IllegalArgumentException("lock offset must be 8-byte aligned: " + offset);
    }
    this.memory = memory;
    this.offset = offset;
    this.released = new EventCount(memory, offset + 8);
  }

  /**
   * Acquires the lock for this process, waiting at most {@code timeoutNanos}.
   *
   * @param timeoutNanos the longest wait; {@link Waiting#FOREVER} never times out
   * @return {@link #ACQUIRED}, {@link #RECOVERED} (the previous holder died holding it) or {@link
   *     #TIMED_OUT}
   * @throws InterruptedException if interrupted while waiting; the lock is not held
   */
  public int lock(long timeoutNanos) throws InterruptedException {
    long me = ProcessIdentity.selfToken();
    if (LONG.compareAndSet(memory, offset, 0L, me)) {
      return ACQUIRED;
    }
    Contender c = new Contender(me, System.nanoTime());
    return released.await(c::tryAcquire, timeoutNanos) ? c.result : TIMED_OUT;
  }

  /**
   * Acquires the lock for this process, however long it takes; an interrupt does not end the wait
   * but is kept (the thread's interrupt status is set again once the lock is held).
   *
   * @return {@link #ACQUIRED} or {@link #RECOVERED} (the previous holder died holding it: the
   *     caller repairs what it may have left half done)
   */
  public int lockUninterruptibly() {
    return uninterruptibly(this::lock);
  }

  /** A lock call with a timeout, as {@link #lock}. */
  @FunctionalInterface
  interface LockCall {
    int lock(long timeoutNanos) throws InterruptedException;
  }

  /**
   * Calls {@code lock} without a timeout until it returns; an interrupt does not end the wait but
   * is kept (the thread's interrupt status is set again once the lock is held).
   */
  static int uninterruptibly(LockCall lock) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return lock.lock(Waiting.FOREVER);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** One {@link #lock} call's attempts, and what they found. */
  private final class Contender {
    private final long me;
    private long nextLivenessCheck;
    int result = ACQUIRED;

    Contender(long me, long startNanos) {
      this.me = me;
      this.nextLivenessCheck = startNanos + LIVENESS_CHECK_NANOS;
    }

    boolean tryAcquire() {
      long owner = (long) LONG.getVolatile(memory, offset);
      if (owner == 0) {
        return LONG.compareAndSet(memory, offset, 0L, me);
      }
      long now = System.nanoTime();
      if (owner != me && now - nextLivenessCheck >= 0) {
        nextLivenessCheck = now + LIVENESS_CHECK_NANOS;
        if (!ProcessIdentity.isAlive(owner) && LONG.compareAndSet(memory, offset, owner, me)) {
          result = RECOVERED;
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Releases the lock and wakes the processes waiting for it.
   *
   * @throws IllegalStateException if this process does not hold it
   */
  public void unlock() {
    long me = ProcessIdentity.selfToken();
    if (!LONG.compareAndSet(memory, offset, me, 0L)) {
      throw new IllegalStateException(
          "lock not held by this process: owner token " + LONG.getVolatile(memory, offset));
    }
    released.signalAll();
  }

  /** Returns whether this process holds the lock (some thread of it does). */
  public boolean isHeldByThisProcess() {
    return (long) LONG.getVolatile(memory, offset) == ProcessIdentity.selfToken();
  }

  /** Returns the holder's pid, or 0 if free. */
  public long holderPid() {
    long owner = (long) LONG.getVolatile(memory, offset);
    return owner == 0 ? 0 : ProcessIdentity.pidOf(owner);
  }

  @Override
  public String toString() {
    long pid = holderPid();
    return pid == 0 ? "RobustLock[free]" : "RobustLock[held by pid " + pid + "]";
  }
}
