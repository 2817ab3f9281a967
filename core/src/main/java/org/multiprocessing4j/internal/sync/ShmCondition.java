package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.ProcessCondition;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * {@link ProcessCondition} in a {@link SyncHeap}, bound to a {@link ShmLock} of the same heap.
 *
 * <pre>
 *   +0   int   overflow futex word (EventCount)    waited on by waiters that found no slot
 *   +4   int   overflow waiters                    getAndAdd
 *   +8   long  overflow generation                 bumped by a signal that found no slot waiter
 *   +16  long  ticket counter                      written under the lock
 *   +64  {@link #SLOTS} waiter slots of 32 bytes:
 *        +0   long  process token of the waiter (0 = free; claimed by compareAndSet)
 *        +8   long  ticket: the order of waiting (FIFO signals)
 *        +16  int   state: IDLE, WAITING, SIGNALLED
 *        +20  int   futex word (EventCount) of this waiter
 *        +24  long  thread id
 * </pre>
 */
/*
 * Design
 *
 * A waiter, holding the lock, claims a slot, takes the next ticket and sets its state WAITING;
 * then it releases the lock and sleeps on its slot's own futex word. signal(), holding the lock,
 * moves the WAITING slot with the smallest ticket to SIGNALLED (compareAndSet) and wakes that one
 * word: exactly one waiter is woken, the longest-waiting. A waiter that times out or is interrupted
 * moves its slot WAITING -> IDLE by compareAndSet; if that fails it was signalled, and it returns
 * as signalled (an interrupted one re-asserts its interrupt), so no signal is lost to a departing
 * waiter. Waiters that find every slot taken wait on the overflow word for the generation to
 * change, which signals bump when they found no slot waiter (spurious wake-ups, which Condition
 * allows).
 *
 * Failure
 *
 * A waiter killed while waiting leaves a WAITING slot; a signal may pick it and leave it SIGNALLED
 * with nobody to act. Live waiters look for such orphaned signals every ORPHAN_SCAN_NANOS while they
 * wait and take one over (compareAndSet SIGNALLED -> IDLE), so the signal is delivered late (by
 * about that much) but not lost. Slots of dead waiters are reclaimed when no slot is free.
 */
// This class implements Condition's waits (its callers loop); Date is in the Condition interface.
@SuppressWarnings({"WaitNotInLoop", "JavaUtilDate"})
public final class ShmCondition implements ProcessCondition, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final int SLOTS = 64;
  static final int SLOT_BYTES = 32;
  static final long FIRST_SLOT = 64;
  static final long LENGTH = FIRST_SLOT + (long) SLOTS * SLOT_BYTES;

  private static final long OVERFLOW_WORD = 0;
  private static final long OVERFLOW_WAITERS = 4;
  private static final long GENERATION = 8;
  private static final long TICKETS = 16;

  private static final long TOKEN = 0;
  private static final long TICKET = 8;
  private static final long STATE = 16;
  private static final long FUTEX = 20;
  private static final long THREAD = 24;

  private static final int IDLE = 0;
  private static final int WAITING = 1;
  private static final int SIGNALLED = 2;

  /** How often a waiter looks for signals given to dead waiters. */
  static final long ORPHAN_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** How often an overflow waiter re-checks, at most. */
  private static final long OVERFLOW_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final transient ShmLock lock;
  private final transient long offset;
  private final transient MemorySegment memory;
  private final transient EventCount overflowWord;

  private ShmCondition(ShmLock lock, long offset) {
    this.lock = lock;
    this.offset = offset;
    this.memory = lock.heap().memory();
    this.overflowWord = new EventCount(memory, offset + OVERFLOW_WORD);
  }

  /** Creates a condition bound to {@code lock}, in the lock's heap. */
  public static ShmCondition create(ShmLock lock) {
    return new ShmCondition(lock, lock.heap().allocate(LENGTH));
  }

  @Override
  public ProcessLock lock() {
    return lock;
  }

  private long slot(int i) {
    return offset + FIRST_SLOT + (long) i * SLOT_BYTES;
  }

  // ------------------------------------------------------------------------------------ waiting

  @Override
  public void await() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    awaitSignal(Waiting.FOREVER, true);
  }

  @Override
  public void awaitUninterruptibly() {
    try {
      awaitSignal(Waiting.FOREVER, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible wait was interrupted", e);
    }
  }

  @Override
  public long awaitNanos(long nanosTimeout) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long start = System.nanoTime();
    boolean signalled = awaitSignal(nanosTimeout, true);
    long left = nanosTimeout - (System.nanoTime() - start);
    return signalled ? Math.max(left, 1) : Math.min(left, 0);
  }

  @Override
  public boolean await(long time, TimeUnit unit) throws InterruptedException {
    return awaitNanos(unit.toNanos(time)) > 0;
  }

  @Override
  public boolean awaitUntil(Date deadline) throws InterruptedException {
    return awaitNanos(
            TimeUnit.MILLISECONDS.toNanos(deadline.getTime() - System.currentTimeMillis()))
        > 0;
  }

  /**
   * Releases the lock, waits for a signal, and reacquires the lock.
   *
   * @param timeoutNanos the longest wait; {@link Waiting#FOREVER} for none
   * @return true if signalled, false if the timeout elapsed
   * @throws InterruptedException if interruptible and interrupted before being signalled
   */
  private boolean awaitSignal(long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    lock.checkHeld("await");
    long me = ProcessIdentity.selfToken();
    int slot = claim(me);
    if (slot < 0) {
      return awaitOverflow(timeoutNanos, interruptible);
    }
    long at = slot(slot);
    long ticket = (long) LONG.getVolatile(memory, offset + TICKETS) + 1; // under the lock
    LONG.setVolatile(memory, offset + TICKETS, ticket);
    LONG.setRelease(memory, at + TICKET, ticket);
    LONG.setRelease(memory, at + THREAD, Thread.currentThread().threadId());
    INT.setVolatile(memory, at + STATE, WAITING);
    long holds = lock.releaseAll();
    Waiter waiter = new Waiter(at, me);
    EventCount word = new EventCount(memory, at + FUTEX);
    boolean signalled = false;
    boolean interrupted = false;
    InterruptedException thrown = null;
    try {
      while (true) {
        try {
          signalled = word.await(waiter, Math.max(timeoutNanos, 0));
          break;
        } catch (InterruptedException e) {
          if (interruptible) {
            thrown = e;
            break;
          }
          interrupted = true; // and wait on, for the same signal
          if (timeoutNanos != Waiting.FOREVER) {
            throw new AssertionError("only waits without a timeout are uninterruptible");
          }
        }
      }
    } finally {
      if (!signalled && !INT.compareAndSet(memory, at + STATE, WAITING, IDLE)) {
        signalled = true; // signalled while leaving: take the signal rather than lose it
      }
      INT.setVolatile(memory, at + STATE, IDLE);
      LONG.compareAndSet(memory, at + TOKEN, me, 0L);
      lock.reacquire(holds);
    }
    if (thrown != null) {
      if (!signalled) {
        throw thrown;
      }
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return signalled;
  }

  /** The wake-up condition of a slot waiter: signalled, or an orphaned signal taken over. */
  private final class Waiter implements BooleanSupplier {
    private final long at;
    private final long me;
    private long nextOrphanScan = System.nanoTime() + ORPHAN_SCAN_NANOS;

    Waiter(long at, long me) {
      this.at = at;
      this.me = me;
    }

    @Override
    public boolean getAsBoolean() {
      if ((int) INT.getVolatile(memory, at + STATE) == SIGNALLED) {
        return true;
      }
      long now = System.nanoTime();
      if (now - nextOrphanScan >= 0) {
        nextOrphanScan = now + ORPHAN_SCAN_NANOS;
        return takeOrphanedSignal(me);
      }
      return false;
    }
  }

  /** Takes over a signal given to a waiter that has died since; true if one was taken. */
  private boolean takeOrphanedSignal(long me) {
    for (int i = 0; i < SLOTS; i++) {
      long at = slot(i);
      long t = (long) LONG.getVolatile(memory, at + TOKEN);
      if (t != 0
          && t != me
          && (int) INT.getVolatile(memory, at + STATE) == SIGNALLED
          && !ProcessIdentity.isAlive(t)
          && INT.compareAndSet(memory, at + STATE, SIGNALLED, IDLE)) {
        LONG.compareAndSet(memory, at + TOKEN, t, 0L);
        return true;
      }
    }
    return false;
  }

  /** Claims a free slot, or one of a dead waiter that holds no signal; -1 if none. */
  private int claim(long me) {
    for (int i = 0; i < SLOTS; i++) {
      long at = slot(i);
      if ((long) LONG.getVolatile(memory, at + TOKEN) == 0
          && LONG.compareAndSet(memory, at + TOKEN, 0L, me)) {
        return i;
      }
    }
    for (int i = 0; i < SLOTS; i++) {
      long at = slot(i);
      long t = (long) LONG.getVolatile(memory, at + TOKEN);
      if (t != 0
          && t != me
          && (int) INT.getVolatile(memory, at + STATE) != SIGNALLED
          && !ProcessIdentity.isAlive(t)
          && LONG.compareAndSet(memory, at + TOKEN, t, me)) {
        INT.setVolatile(memory, at + STATE, IDLE);
        return i;
      }
    }
    return -1;
  }

  /** Waits without a slot: for the overflow generation to change. */
  private boolean awaitOverflow(long timeoutNanos, boolean interruptible)
      throws InterruptedException {
    INT.getAndAdd(memory, offset + OVERFLOW_WAITERS, 1);
    long generation = (long) LONG.getVolatile(memory, offset + GENERATION);
    long holds = lock.releaseAll();
    BooleanSupplier changed =
        () -> (long) LONG.getVolatile(memory, offset + GENERATION) != generation;
    boolean signalled = false;
    boolean interrupted = false;
    long start = System.nanoTime();
    try {
      while (true) {
        long remaining = Waiting.remaining(start, timeoutNanos);
        try {
          // Polls: a signaller without futexes does not wake, and slot waiters come first.
          signalled =
              overflowWord.await(changed, Math.min(Math.max(remaining, 0), OVERFLOW_POLL_NANOS));
        } catch (InterruptedException e) {
          if (interruptible) {
            throw e;
          }
          interrupted = true;
        }
        if (signalled || remaining <= OVERFLOW_POLL_NANOS) {
          break;
        }
      }
    } finally {
      INT.getAndAdd(memory, offset + OVERFLOW_WAITERS, -1);
      lock.reacquire(holds);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return signalled;
  }

  // ------------------------------------------------------------------------------------ signalling

  @Override
  public void signal() {
    signal(1);
  }

  @Override
  public void signal(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n < 0: " + n);
    }
    lock.checkHeld("signal a condition of");
    int woken = 0;
    while (woken < n) {
      int best = -1;
      long bestTicket = Long.MAX_VALUE;
      for (int i = 0; i < SLOTS; i++) {
        long at = slot(i);
        if ((int) INT.getVolatile(memory, at + STATE) == WAITING) {
          long ticket = (long) LONG.getAcquire(memory, at + TICKET);
          if (ticket < bestTicket) {
            bestTicket = ticket;
            best = i;
          }
        }
      }
      if (best < 0) {
        break;
      }
      long at = slot(best);
      if (INT.compareAndSet(memory, at + STATE, WAITING, SIGNALLED)) {
        new EventCount(memory, at + FUTEX).signalAll();
        woken++;
      }
    }
    if (woken < n) {
      wakeOverflow();
    }
  }

  @Override
  public void signalAll() {
    lock.checkHeld("signal a condition of");
    for (int i = 0; i < SLOTS; i++) {
      long at = slot(i);
      if ((int) INT.getVolatile(memory, at + STATE) == WAITING
          && INT.compareAndSet(memory, at + STATE, WAITING, SIGNALLED)) {
        new EventCount(memory, at + FUTEX).signalAll();
      }
    }
    wakeOverflow();
  }

  private void wakeOverflow() {
    if ((int) INT.getVolatile(memory, offset + OVERFLOW_WAITERS) > 0) {
      LONG.getAndAdd(memory, offset + GENERATION, 1L);
      overflowWord.signalAll();
    }
  }

  @Override
  public String toString() {
    int waiting = 0;
    for (int i = 0; i < SLOTS; i++) {
      if ((int) INT.getVolatile(memory, slot(i) + STATE) == WAITING) {
        waiting++;
      }
    }
    waiting += (int) INT.getVolatile(memory, offset + OVERFLOW_WAITERS);
    return "ProcessCondition[" + lock.name() + ", " + waiting + " waiting]";
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: the lock, and where the condition is in its heap. */
  private record Ref(ShmLock lock, long offset) implements Serializable {
    @Serial
    private Object readResolve() {
      return new ShmCondition(lock, offset);
    }
  }

  @Serial
  private Object writeReplace() {
    return new Ref(lock, offset);
  }
}
