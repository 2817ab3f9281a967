package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.ProcessSemaphore;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * {@link ProcessSemaphore} in a {@link SyncHeap}: a count of permits and a table of who holds them,
 * updated under a small {@link RobustLock}.
 *
 * <pre>
 *   +0    RobustLock (16 bytes)      guards everything below but the futex word
 *   +16   int   futex word           EventCount "permits released", waited on by acquirers
 *   +20   int   bounded              1 for a bounded semaphore
 *   +24   long  value                permits available
 *   +32   long  bound                the initial permits (the most a bounded one may have)
 *   +40   long  number               names the semaphore in messages
 *   +48   long  undo: slot + 1       0 = no update in progress
 *   +56   long  undo: old value
 *   +64   long  undo: old count
 *   +72   long  undo: old token
 *   +80   int   no give-back         1: permits are not counted per holder nor given back
 *   +128  {@link #SLOTS} holder slots of 16 bytes: long process token (0 = free), long count
 * </pre>
 */
/*
 * Design
 *
 * Every change (take a permit and count it in the caller's slot; give one back) is a few plain
 * stores under the RobustLock, held for nanoseconds. Acquirers that find no permit wait on the
 * futex word for a release, and every SWEEP_NANOS look for holders whose process has ended and
 * give their permits back.
 *
 * Failure
 *
 * A process killed inside the RobustLock may leave value and its slot half-updated. So an update
 * first writes an undo record (old value, old count, old token, then the slot, release), then
 * updates, then clears the slot word. Whoever recovers the RobustLock (RECOVERED) rolls back an
 * update whose undo record is set: the dead process's update never happened, and its permits are
 * then given back by the sweep like those of any dead holder.
 */
public final class ShmSemaphore implements ProcessSemaphore, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final int SLOTS = 128;
  private static final long FIRST_SLOT = 128;
  static final long LENGTH = FIRST_SLOT + SLOTS * 16L;

  private static final long FUTEX = 16;
  private static final long BOUNDED = 20;
  private static final long VALUE = 24;
  private static final long BOUND = 32;
  private static final long NUMBER = 40;
  private static final long UNDO_SLOT = 48;
  private static final long UNDO_VALUE = 56;
  private static final long UNDO_COUNT = 64;
  private static final long UNDO_TOKEN = 72;
  private static final long NO_GIVE_BACK = 80;

  /** How often a waiter looks for permits held by dead processes. */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final transient SyncHeap heap;
  private final transient long offset;
  private final transient MemorySegment memory;
  private final transient RobustLock guard;
  private final transient EventCount released;
  private final transient boolean bounded;
  private final transient boolean giveBack;
  private transient int slotHint; // where this process's slot was last found

  private ShmSemaphore(SyncHeap heap, long offset) {
    this.heap = heap;
    this.offset = offset;
    this.memory = heap.memory();
    this.guard = new RobustLock(memory, offset);
    this.released = new EventCount(memory, offset + FUTEX);
    this.bounded = (int) INT.getAcquire(memory, offset + BOUNDED) != 0;
    this.giveBack = (int) INT.getAcquire(memory, offset + NO_GIVE_BACK) == 0;
  }

  /**
   * Creates a semaphore with {@code permits} permits in {@code heap}.
   *
   * @param bounded whether releases beyond {@code permits} are refused
   * @param giveBack whether the permits of holders that end are given back; if not, permits are not
   *     counted per holder at all
   * @throws IllegalArgumentException if {@code permits} is negative
   */
  public static ShmSemaphore create(SyncHeap heap, int permits, boolean bounded, boolean giveBack) {
    if (permits < 0) {
      throw new IllegalArgumentException("permits < 0: " + permits);
    }
    long at = heap.allocate(LENGTH);
    MemorySegment m = heap.memory();
    LONG.setRelease(m, at + VALUE, (long) permits);
    LONG.setRelease(m, at + BOUND, (long) permits);
    LONG.setRelease(m, at + NUMBER, heap.nextObjectNumber());
    INT.setRelease(m, at + BOUNDED, bounded ? 1 : 0);
    INT.setRelease(m, at + NO_GIVE_BACK, giveBack ? 0 : 1);
    return new ShmSemaphore(heap, at);
  }

  private long slot(int i) {
    return offset + FIRST_SLOT + i * 16L;
  }

  // ------------------------------------------------------------------------------------ acquiring

  @Override
  public boolean acquire() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return take(Waiting.FOREVER, true);
  }

  @Override
  public void acquireUninterruptibly() {
    try {
      take(Waiting.FOREVER, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible acquire was interrupted", e);
    }
  }

  @Override
  public boolean tryAcquire() {
    return tryTake();
  }

  @Override
  public boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    return take(unit.toNanos(timeout), true);
  }

  @Override
  public Held hold() {
    acquireUninterruptibly();
    return new PermitHold(this);
  }

  private boolean take(long timeoutNanos, boolean interruptible) throws InterruptedException {
    if (tryTake()) {
      return true;
    }
    if (timeoutNanos <= 0) {
      return false;
    }
    long start = System.nanoTime();
    long nextSweep = start + SWEEP_NANOS / 5; // a first look soon: the holder may be long dead
    boolean interrupted = false;
    try {
      while (true) {
        long now = System.nanoTime();
        long remaining =
            timeoutNanos == Waiting.FOREVER ? Waiting.FOREVER : timeoutNanos - (now - start);
        if (remaining <= 0) {
          return false;
        }
        if (now - nextSweep >= 0) {
          // The slice ends here with or without recovery: between slices the waiter checks its
          // interrupt and timeout, and without it a NONE semaphore's wait would not sleep at all.
          nextSweep = now + SWEEP_NANOS;
          if (giveBack) {
            sweepDeadHolders();
          }
        }
        try {
          released.await(
              () -> (long) LONG.getVolatile(memory, offset + VALUE) > 0,
              Math.min(remaining, Math.max(nextSweep - now, 1)));
        } catch (InterruptedException e) {
          if (interruptible) {
            throw e;
          }
          interrupted = true;
        }
        if (tryTake()) {
          return true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Takes a permit if there is one, counting it as held by this process. */
  private boolean tryTake() {
    if ((long) LONG.getVolatile(memory, offset + VALUE) <= 0) {
      return false;
    }
    lockGuard();
    try {
      long value = (long) LONG.get(memory, offset + VALUE);
      if (value <= 0) {
        return false;
      }
      long me = ProcessIdentity.selfToken();
      int i = giveBack ? findSlot(me, true) : -1;
      if (i < 0) {
        LONG.setRelease(memory, offset + VALUE, value - 1); // not counted: not given back
        return true;
      }
      long at = slot(i);
      long count = (long) LONG.get(memory, at + 8);
      update(i, value - 1, count + 1, me);
      return true;
    } finally {
      guard.unlock();
    }
  }

  // ------------------------------------------------------------------------------------ releasing

  @Override
  public void release() {
    release(1);
  }

  @Override
  public void release(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n < 1: " + n);
    }
    lockGuard();
    try {
      long value = (long) LONG.get(memory, offset + VALUE);
      long bound = (long) LONG.get(memory, offset + BOUND);
      if (bounded && value + n > bound) {
        throw new IllegalStateException(
            this
                + " released too many times: "
                + value
                + " of its "
                + bound
                + " permits are available, releasing "
                + n
                + " more would exceed its bound");
      }
      long me = ProcessIdentity.selfToken();
      int i = giveBack ? findSlot(me, false) : -1;
      if (i < 0) {
        LONG.setRelease(memory, offset + VALUE, value + n);
      } else {
        long count = (long) LONG.get(memory, slot(i) + 8);
        long left = Math.max(count - n, 0);
        update(i, value + n, left, left == 0 ? 0L : me);
      }
    } finally {
      guard.unlock();
    }
    released.signalAll();
  }

  // ------------------------------------------------------------------------------------ the guard

  /** Acquires the guard, uninterruptibly, rolling back a dead holder's unfinished update. */
  private void lockGuard() {
    if (guard.lockUninterruptibly() == RobustLock.RECOVERED) {
      rollBack();
    }
  }

  /** Sets value and slot {@code i} to the given values, logged for rollback. Holding the guard. */
  private void update(int i, long value, long count, long token) {
    long at = slot(i);
    LONG.set(memory, offset + UNDO_VALUE, (long) LONG.get(memory, offset + VALUE));
    LONG.set(memory, offset + UNDO_COUNT, (long) LONG.get(memory, at + 8));
    LONG.set(memory, offset + UNDO_TOKEN, (long) LONG.get(memory, at));
    LONG.setRelease(memory, offset + UNDO_SLOT, i + 1L); // NOTE: the record is complete before this
    LONG.set(memory, at + 8, count);
    LONG.setRelease(memory, at, token);
    LONG.setRelease(memory, offset + VALUE, value);
    LONG.setRelease(memory, offset + UNDO_SLOT, 0L);
  }

  /** Undoes the update of a holder of the guard that died. Holding the guard. */
  private void rollBack() {
    long slotPlusOne = (long) LONG.getAcquire(memory, offset + UNDO_SLOT);
    if (slotPlusOne > 0 && slotPlusOne <= SLOTS) {
      long at = slot((int) slotPlusOne - 1);
      LONG.setRelease(memory, offset + VALUE, (long) LONG.get(memory, offset + UNDO_VALUE));
      LONG.set(memory, at + 8, (long) LONG.get(memory, offset + UNDO_COUNT));
      LONG.setRelease(memory, at, (long) LONG.get(memory, offset + UNDO_TOKEN));
    }
    LONG.setRelease(memory, offset + UNDO_SLOT, 0L);
  }

  /**
   * Returns the slot holding {@code me}'s count, or (if {@code claim}) a free one; -1 if none.
   * Holding the guard.
   */
  private int findSlot(long me, boolean claim) {
    int hint = slotHint;
    if ((long) LONG.get(memory, slot(hint)) == me) {
      return hint;
    }
    int free = -1;
    for (int i = 0; i < SLOTS; i++) {
      long t = (long) LONG.get(memory, slot(i));
      if (t == me) {
        slotHint = i;
        return i;
      }
      if (t == 0 && free < 0) {
        free = i;
      }
    }
    if (claim && free >= 0) {
      slotHint = free;
    }
    return claim ? free : -1;
  }

  /** Gives back the permits of holders whose process has ended. */
  void sweepDeadHolders() {
    long me = ProcessIdentity.selfToken();
    // Liveness is read from /proc: do it before taking the guard, which others wait for.
    long[] dead = new long[SLOTS];
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
      long t = (long) LONG.getVolatile(memory, slot(i));
      if (t != 0 && t != me && !ProcessIdentity.isAlive(t)) {
        dead[n++] = t;
      }
    }
    if (n == 0) {
      return;
    }
    boolean gaveBack = false;
    lockGuard();
    try {
      for (int i = 0; i < SLOTS; i++) {
        long at = slot(i);
        long t = (long) LONG.get(memory, at);
        if (!contains(dead, n, t)) {
          continue; // a token is never reused, so a dead one found before is still dead
        }
        long count = (long) LONG.get(memory, at + 8);
        long value = (long) LONG.get(memory, offset + VALUE);
        long restored = value + count;
        if (bounded) {
          restored = Math.min(restored, (long) LONG.get(memory, offset + BOUND));
        }
        update(i, Math.max(restored, value), 0, 0L);
        gaveBack |= count > 0;
      }
    } finally {
      guard.unlock();
    }
    if (gaveBack) {
      released.signalAll();
    }
  }

  private static boolean contains(long[] tokens, int n, long t) {
    for (int i = 0; i < n; i++) {
      if (tokens[i] == t) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------ state

  @Override
  public int availablePermits() {
    return (int) Math.min((long) LONG.getVolatile(memory, offset + VALUE), Integer.MAX_VALUE);
  }

  @Override
  public boolean isBounded() {
    return bounded;
  }

  @Override
  public PermitRecovery permitRecovery() {
    return giveBack ? PermitRecovery.GIVE_BACK : PermitRecovery.NONE;
  }

  @Override
  public String toString() {
    return (bounded ? "BoundedProcessSemaphore#" : "ProcessSemaphore#")
        + (long) LONG.getAcquire(memory, offset + NUMBER)
        + "[permits="
        + availablePermits()
        + (bounded ? ", bound=" + (long) LONG.getAcquire(memory, offset + BOUND) : "")
        + "]";
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: where the semaphore is. */
  private record Ref(String heap, long offset) implements Serializable {
    @Serial
    private Object readResolve() {
      return new ShmSemaphore(SyncHeap.attach(heap), offset);
    }
  }

  @Serial
  private Object writeReplace() {
    return new Ref(heap.name(), offset);
  }

  /** A permit held, given back once by {@link #close()}. */
  private static final class PermitHold implements Held {
    private final ShmSemaphore semaphore;
    private boolean closed; // accessed by the holding thread only

    PermitHold(ShmSemaphore semaphore) {
      this.semaphore = semaphore;
    }

    @Override
    public boolean ownerDied() {
      return false;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        semaphore.release();
      }
    }
  }
}
