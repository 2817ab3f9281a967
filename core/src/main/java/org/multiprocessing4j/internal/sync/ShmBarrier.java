package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.os.Signals;

/**
 * {@link ProcessBarrier} in a {@link SyncHeap}.
 *
 * <pre>
 *   +0   RobustLock (16 bytes)   guards the words below but the futex word
 *   +16  int   futex word        EventCount: a round ended or the barrier broke
 *   +20  int   parties
 *   +24  long  generation        the current round; bumped when it trips or is reset
 *   +32  int   count             parties arrived in the current round
 *   +36  int   broken            1 = the current round is broken
 *   +40  long  number            names the barrier in messages
 *   +48  long  broken generation a round that ended by reset(): its waiters get Broken
 *   +64  party slots, min(parties, 1024) × 16 bytes: long process token (0 = free), long round
 *   then member slots, min(2 × parties + 8, 1024) × 8 bytes: long process token (0 = free)
 * </pre>
 */
/*
 * Design
 *
 * Arriving is a short update under the RobustLock: take the arrival index (count), register in a
 * party slot (token, round). The last to arrive runs the action outside the lock, then bumps the
 * generation and signals; the others wait on the futex word for the generation to change or the
 * barrier to break. A waiter whose round was ended by reset() (broken generation) throws Broken.
 *
 * Failure
 *
 * Waiters look, every SWEEP_NANOS or so, for party slots of their round whose process has died,
 * and break the barrier if they find one. A process killed inside the RobustLock leaves an
 * unknown half-update, so the next locker (RECOVERED) breaks the round: the parties must reset.
 *
 * A party that dies before it arrives has no party slot. So each process that has the barrier is
 * a member: it takes a member slot when the barrier reaches it from another process (readResolve)
 * and when it first awaits, once per process (ENLISTED). At an orderly exit (not one forced by a
 * termination signal) a shutdown hook gives the slot back: the process withdrew, as a Python
 * process that ends without waiting would. A member slot naming a dead process therefore means a
 * process that had the barrier was killed (SIGKILL, a signal, a crash). The sweeping waiter breaks
 * the round and frees that slot (so that the barrier works again after reset). A death is noticed
 * only while someone waits: a member killed between rounds breaks the next round within a sweep.
 * When every member slot is taken, a process is not enlisted and its death goes unnoticed.
 */
public final class ShmBarrier implements ProcessBarrier, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final int MAX_SLOTS = 1024;

  /** The barriers this process is a member of, by heap name and offset; see members(). */
  private static final Map<String, Membership> ENLISTED = new ConcurrentHashMap<>();

  /**
   * This process's member slot at {@code at} in {@code memory}; at 0: none (the table was full).
   */
  private record Membership(MemorySegment memory, long at) {}

  private static boolean withdrawHookInstalled; // guarded by ENLISTED
  private static final long FIRST_SLOT = 64;

  private static final long FUTEX = 16;
  private static final long PARTIES = 20;
  private static final long GENERATION = 24;
  private static final long COUNT = 32;
  private static final long BROKEN = 36;
  private static final long NUMBER = 40;
  private static final long BROKEN_GENERATION = 48;

  /** How often a waiter looks for dead parties of its round. */
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final transient SyncHeap heap;
  private final transient long offset;
  private final transient MemorySegment memory;
  private final transient RobustLock guard;
  private final transient EventCount word;
  private final transient int parties;
  private final transient int slots;
  private final transient int members;
  private transient volatile boolean enlisted; // this handle has made its process a member
  private final transient @Nullable ProcessTarget action;
  private final transient long defaultTimeoutNanos; // Waiting.FOREVER for none

  private ShmBarrier(
      SyncHeap heap, long offset, @Nullable ProcessTarget action, long defaultTimeoutNanos) {
    this.heap = heap;
    this.offset = offset;
    this.memory = heap.memory();
    this.guard = new RobustLock(memory, offset);
    this.word = new EventCount(memory, offset + FUTEX);
    this.parties = (int) INT.getAcquire(memory, offset + PARTIES);
    this.slots = Math.min(parties, MAX_SLOTS);
    this.members = memberSlots(parties);
    this.action = action;
    this.defaultTimeoutNanos = defaultTimeoutNanos;
  }

  /**
   * Creates a barrier in {@code heap}.
   *
   * @param parties the parties of a round, at least 1
   * @param action run by the last party of each round, or null
   * @param defaultTimeout the timeout of {@link #await()}, or null for none
   * @throws IllegalArgumentException if {@code parties} is less than 1
   */
  public static ShmBarrier create(
      SyncHeap heap,
      int parties,
      @Nullable ProcessTarget action,
      @Nullable Duration defaultTimeout) {
    if (parties < 1) {
      throw new IllegalArgumentException("parties < 1: " + parties);
    }
    long at =
        heap.allocate(FIRST_SLOT + Math.min(parties, MAX_SLOTS) * 16L + memberSlots(parties) * 8L);
    MemorySegment m = heap.memory();
    LONG.setRelease(m, at + NUMBER, heap.nextObjectNumber());
    LONG.setRelease(m, at + BROKEN_GENERATION, -1L);
    INT.setRelease(m, at + PARTIES, parties);
    return new ShmBarrier(heap, at, action, nanos(defaultTimeout));
  }

  private static long nanos(@Nullable Duration timeout) {
    if (timeout == null) {
      return Waiting.FOREVER;
    }
    try {
      return Math.max(timeout.toNanos(), 0);
    } catch (ArithmeticException e) {
      return timeout.isNegative() ? 0 : Waiting.FOREVER;
    }
  }

  /** Returns the offset of party slot {@code i}: long token, long round. */
  long slot(int i) {
    return offset + FIRST_SLOT + i * 16L;
  }

  private static int memberSlots(int parties) {
    return (int) Math.min(2L * parties + 8, MAX_SLOTS);
  }

  private long member(int i) {
    return offset + FIRST_SLOT + slots * 16L + i * 8L;
  }

  // ------------------------------------------------------------------------------------ members

  /** Makes this process a member, once per process; see the implementation notes. */
  private void enlist() {
    if (enlisted) {
      return;
    }
    enlisted = true;
    String key = heap.name() + "@" + offset;
    if (ENLISTED.containsKey(key)) {
      return;
    }
    long me = ProcessIdentity.selfToken();
    synchronized (ENLISTED) {
      if (ENLISTED.containsKey(key)) {
        return;
      }
      long taken = 0;
      for (int i = 0; i < members && taken == 0; i++) {
        if ((long) LONG.getVolatile(memory, member(i)) == me) {
          taken = member(i);
        }
      }
      for (int i = 0; i < members && taken == 0; i++) {
        if (LONG.compareAndSet(memory, member(i), 0L, me)) {
          taken = member(i);
        }
      }
      ENLISTED.put(key, new Membership(memory, taken)); // 0: not enlisted, goes unnoticed
      if (taken != 0) {
        installWithdrawHook();
      }
    }
  }

  /** Call only when holding ENLISTED's monitor. */
  private void installWithdrawHook() {
    // assert Thread.holdsLock(ENLISTED);
    if (withdrawHookInstalled) {
      return;
    }
    withdrawHookInstalled = true;
    Thread hook = new Thread(ShmBarrier::withdrawAll, "mp4j-barrier-withdraw");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Shutting down already: the slots stay, and read as a death.
    }
  }

  /** At an orderly exit, gives back this process's member slots; see the notes. */
  private static void withdrawAll() {
    if (Signals.received() != 0) {
      return; // killed by a signal: the slots stay, so that the others see the death
    }
    long me = ProcessIdentity.selfToken();
    for (Membership m : ENLISTED.values()) {
      if (m.at() == 0) {
        continue;
      }
      try {
        LONG.compareAndSet(m.memory(), m.at(), me, 0L);
      } catch (RuntimeException gone) {
        // The heap was removed or unmapped at this exit: nobody is left to wait on it.
      }
    }
  }

  // ------------------------------------------------------------------------------------ waiting

  @Override
  public int await() throws InterruptedException, BrokenBarrierException {
    try {
      return arrive(defaultTimeoutNanos);
    } catch (TimeoutException e) {
      BrokenBarrierException b =
          new BrokenBarrierException("the barrier's default timeout elapsed; it is now broken");
      b.initCause(e);
      throw b;
    }
  }

  @Override
  public int await(Duration timeout)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    return arrive(nanos(timeout));
  }

  private int arrive(long timeoutNanos)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    if (Thread.interrupted()) {
      breakBarrier(-1);
      throw new InterruptedException();
    }
    long me = ProcessIdentity.selfToken();
    enlist();
    long generation;
    int index;
    int slot;
    lockGuard();
    try {
      if ((int) INT.get(memory, offset + BROKEN) != 0) {
        throw broken();
      }
      generation = (long) LONG.get(memory, offset + GENERATION);
      index = (int) INT.get(memory, offset + COUNT);
      INT.setRelease(memory, offset + COUNT, index + 1);
      slot = register(me, generation);
    } finally {
      guard.unlock();
    }
    try {
      if (index + 1 == parties) {
        runActionAndTrip(generation);
        return index;
      }
      waitForTrip(generation, timeoutNanos);
      return index;
    } finally {
      if (slot >= 0 && (long) LONG.getAcquire(memory, slot(slot) + 8) == generation) {
        LONG.compareAndSet(memory, slot(slot), me, 0L);
      }
    }
  }

  /**
   * Takes a free party slot for this round; -1 if none (the party's death goes unnoticed). Holding
   * the guard. Package-private for the race test.
   */
  int register(long me, long generation) {
    for (int i = 0; i < slots; i++) {
      long at = slot(i);
      long t = (long) LONG.getVolatile(memory, at);
      // A slot of the previous round may belong to a party that has not cleared it yet; one of an
      // older round was left by a process that died after its round tripped.
      if (t == 0 || (long) LONG.getVolatile(memory, at + 8) < generation - 1) {
        // NOTE: the old token is cleared before the round is written: a sweeper (deadParty, not
        // under the guard) must never pair the dead process's token with this round.
        if (t != 0) {
          LONG.setVolatile(memory, at, 0L);
        }
        LONG.setVolatile(memory, at + 8, generation);
        LONG.setVolatile(memory, at, me);
        return i;
      }
    }
    return -1;
  }

  private void runActionAndTrip(long generation) throws BrokenBarrierException {
    ProcessTarget a = action;
    if (a != null) {
      try {
        a.run();
      } catch (RuntimeException | Error e) {
        breakBarrier(generation);
        throw e;
      } catch (Exception e) {
        breakBarrier(generation);
        BrokenBarrierException b =
            new BrokenBarrierException("the barrier action threw " + e + "; the barrier is broken");
        b.initCause(e);
        throw b;
      }
    }
    lockGuard();
    try {
      if ((long) LONG.get(memory, offset + GENERATION) != generation
          || (int) INT.get(memory, offset + BROKEN) != 0) {
        throw broken(); // reset or broken while the action ran
      }
      INT.setRelease(memory, offset + COUNT, 0);
      LONG.setRelease(memory, offset + GENERATION, generation + 1);
    } finally {
      guard.unlock();
    }
    word.signalAll();
  }

  private void waitForTrip(long generation, long timeoutNanos)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    long start = System.nanoTime();
    long nextSweep = start + SWEEP_NANOS;
    while (true) {
      long now = System.nanoTime();
      long remaining =
          timeoutNanos == Waiting.FOREVER ? Waiting.FOREVER : timeoutNanos - (now - start);
      boolean ended;
      try {
        ended =
            word.await(
                () -> roundEnded(generation),
                Math.min(Math.max(remaining, 0), Math.max(nextSweep - now, 1)));
      } catch (InterruptedException e) {
        if (breakBarrier(generation) || !roundEnded(generation)) {
          throw e;
        }
        Thread.currentThread().interrupt(); // tripped meanwhile: succeed, keep the interrupt
        ended = true;
      }
      if (ended) {
        if ((long) LONG.getVolatile(memory, offset + GENERATION) != generation
            && (long) LONG.getVolatile(memory, offset + BROKEN_GENERATION) != generation) {
          return;
        }
        throw broken();
      }
      now = System.nanoTime();
      if (timeoutNanos != Waiting.FOREVER && timeoutNanos - (now - start) <= 0) {
        if (breakBarrier(generation)) {
          throw new TimeoutException(
              "timed out after "
                  + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                  + " ms waiting for "
                  + (parties - numberWaiting())
                  + " more of "
                  + parties
                  + " parties; the barrier is now broken");
        }
        continue; // the round ended or broke just now: report that
      }
      if (now - nextSweep >= 0) {
        nextSweep = now + SWEEP_NANOS;
        long dead = deadParty(generation);
        long deadMember = deadMembers();
        if (dead != 0 && breakBarrier(generation)) {
          throw broken(
              "a party died: process "
                  + ProcessIdentity.pidOf(dead)
                  + " ended while waiting at the barrier");
        }
        if (deadMember != 0 && breakBarrier(generation)) {
          throw broken(
              "a party died: process "
                  + ProcessIdentity.pidOf(deadMember)
                  + ", which had the barrier, was killed before it arrived");
        }
      }
    }
  }

  private boolean roundEnded(long generation) {
    return (long) LONG.getVolatile(memory, offset + GENERATION) != generation
        || (int) INT.getVolatile(memory, offset + BROKEN) != 0;
  }

  /**
   * Returns the token of a dead process registered in round {@code generation}, or 0. Reads the
   * slots without the guard: the token is read again after the round, and a round counts only if
   * the token did not change around it (register clears a token before it writes a round, and a
   * dead process's token never comes back), so a live party registering over a slot left by a
   * process that died in an older round is not mistaken for a death in this one. Package-private
   * for the race test.
   */
  long deadParty(long generation) {
    long me = ProcessIdentity.selfToken();
    for (int i = 0; i < slots; i++) {
      long at = slot(i);
      long t = (long) LONG.getVolatile(memory, at);
      if (t != 0
          && t != me
          && (long) LONG.getVolatile(memory, at + 8) == generation
          && (long) LONG.getVolatile(memory, at) == t
          && !ProcessIdentity.isAlive(t)) {
        return t;
      }
    }
    return 0;
  }

  /**
   * Frees the member slots of processes that were killed (see the notes) and returns one's token,
   * or 0 if every member lives. Several waiters may find the same death; one of them frees each
   * slot, and each breaks the round.
   */
  private long deadMembers() {
    long me = ProcessIdentity.selfToken();
    long found = 0;
    for (int i = 0; i < members; i++) {
      long at = member(i);
      long t = (long) LONG.getVolatile(memory, at);
      if (t != 0 && t != me && !ProcessIdentity.isAlive(t)) {
        LONG.compareAndSet(memory, at, t, 0L);
        found = t;
      }
    }
    return found;
  }

  /**
   * Breaks round {@code generation} (or the current one, if -1) unless it has ended.
   *
   * @return true if the round is broken now (by this call or before), false if it had tripped
   */
  private boolean breakBarrier(long generation) {
    boolean broke;
    lockGuard();
    try {
      long current = (long) LONG.get(memory, offset + GENERATION);
      if (generation != -1 && current != generation) {
        broke = (long) LONG.get(memory, offset + BROKEN_GENERATION) == generation;
      } else {
        INT.setRelease(memory, offset + BROKEN, 1);
        broke = true;
      }
    } finally {
      guard.unlock();
    }
    word.signalAll();
    return broke;
  }

  // ------------------------------------------------------------------------------------ control

  @Override
  public void reset() {
    lockGuard();
    try {
      long generation = (long) LONG.get(memory, offset + GENERATION);
      boolean wasBroken = (int) INT.get(memory, offset + BROKEN) != 0;
      if (wasBroken || (int) INT.get(memory, offset + COUNT) > 0) {
        LONG.setRelease(memory, offset + BROKEN_GENERATION, generation);
        INT.setRelease(memory, offset + COUNT, 0);
        INT.setRelease(memory, offset + BROKEN, 0);
        LONG.setRelease(memory, offset + GENERATION, generation + 1);
      }
    } finally {
      guard.unlock();
    }
    word.signalAll();
  }

  @Override
  public void abort() {
    breakBarrier(-1);
  }

  @Override
  public int parties() {
    return parties;
  }

  @Override
  public int numberWaiting() {
    return (int) INT.getVolatile(memory, offset + COUNT);
  }

  @Override
  public boolean isBroken() {
    return (int) INT.getVolatile(memory, offset + BROKEN) != 0;
  }

  /** Acquires the guard; a dead holder's half-update breaks the current round. */
  private void lockGuard() {
    if (guard.lockUninterruptibly() == RobustLock.RECOVERED) {
      INT.setRelease(memory, offset + BROKEN, 1);
    }
  }

  private BrokenBarrierException broken() {
    return broken(
        "the barrier is broken (a party timed out, was interrupted or died, or it was"
            + " aborted or reset); reset() it to use it again");
  }

  private BrokenBarrierException broken(String why) {
    return new BrokenBarrierException(this + ": " + why);
  }

  @Override
  public String toString() {
    return "ProcessBarrier#"
        + (long) LONG.getAcquire(memory, offset + NUMBER)
        + "[parties="
        + parties
        + ", waiting="
        + numberWaiting()
        + (isBroken() ? ", broken]" : "]");
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: where the barrier is, its action and default timeout. */
  private record Ref(String heap, long offset, @Nullable ProcessTarget action, long timeoutNanos)
      implements Serializable {
    @Serial
    private Object readResolve() {
      ShmBarrier b = new ShmBarrier(SyncHeap.attach(heap), offset, action, timeoutNanos);
      b.enlist();
      return b;
    }
  }

  @Serial
  private Object writeReplace() {
    return new Ref(heap.name(), offset, action, defaultTimeoutNanos);
  }
}
