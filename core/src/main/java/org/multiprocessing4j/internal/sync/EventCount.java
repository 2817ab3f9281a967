package org.multiprocessing4j.internal.sync;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.os.Libc;

/**
 * A futex word in shared memory on which threads of any process wait for a condition that others
 * make true: an event count, the primitive under every blocking call of the shared-memory queues.
 *
 * <pre>
 *   32-bit word, 4-byte aligned:  [ counter (31 bits) | W ]
 *                                   bumped by signalAll   W = 1: someone may be waiting
 * </pre>
 *
 * <h2>Protocol</h2>
 *
 * A waiter sets W (compareAndSet, a full fence), then checks its condition, then {@code
 * FUTEX_WAIT}s on the word with W set. A signaller first makes the condition true with a volatile
 * write or a compareAndSet, then reads the word (getVolatile); if W is set it replaces the word
 * with {@code counter + 1, W = 0} and wakes every waiter. This is Dekker's pattern: in the total
 * order of the volatile accesses, either the signaller's read comes after the waiter's CAS (it sees
 * W and wakes; the futex wait returns because the word changed or because of the wake) or before
 * it, and then the waiter's condition check comes after the signaller's write and sees the
 * condition true. The common case, a signal with no waiter, costs one read of a cache line that
 * nobody writes.
 *
 * <h2>Asymmetric</h2>
 *
 * The signaller's fence may be left out where the waiter makes up for it: an asymmetric event
 * count's waiters run a {@linkplain HeavyFence#heavy() heavy fence} between setting W and checking
 * their condition, so a signaller whose condition store and read of the word the processor
 * reordered has its store visible to the check, or its read sees W (the handshake of {@link
 * HeavyFence}). The queues' item and room waits are asymmetric: their signallers are the holders of
 * {@link BiasedLock}s, whose biased release has no fence. A waiter runs the heavy fence only while
 * that lock is biased (or being revoked): it reads the lock's state after setting W, and a bias
 * given after that read is given under the inner lock, whose unlocking compareAndSet comes before
 * the new biased thread's first fence-free signal and makes W visible to it. A waiter that only
 * polls (a virtual thread, or no futexes) announces nothing and needs no fence: it checks again
 * after each park.
 *
 * <h2>Spinning</h2>
 *
 * Before it blocks, a waiter spins (see {@link Waiting}) for a budget that adapts per word and per
 * process, as adaptive mutexes do: it doubles after a wait that ended within the longest spin (the
 * constructor's; {@link Waiting#DATA_SPIN_NANOS} for a queue's words, {@link Waiting#SPIN_NANOS}
 * for the others), whether it ended while spinning or after blocking, and halves after a wait that
 * lasted longer, which no spin would have saved (whether it ended or timed out), down to a
 * sixteenth of it. Between two busy processes (a queue's producer and consumer) waits are short and
 * the budget stays long enough to ride out a peer's short stall without a futex sleep and the
 * wake-up system call it costs the peer; a waiter whose waits are long (an idle queue, a peer that
 * is not running, a lock held for long) spins for only a sixteenth of it each time, so a loaded
 * machine loses little CPU to it.
 *
 * <h2>Failure</h2>
 *
 * W only means "may be waiting": a waiter killed while waiting leaves W set, costing the next
 * signaller one extra {@code FUTEX_WAKE}, after which W is clear again. Nothing is held, so a dead
 * waiter cannot block anyone. A signaller without futexes (see {@link Waiting}) clears W without
 * waking; futex waiters then see the change at the end of their slice, {@link
 * Waiting#FUTEX_SLICE_NANOS} at most.
 */
public final class EventCount {

  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private static final int WAITERS = 1;

  private final MemorySegment memory;
  private final long offset;
  private final long address;

  /**
   * How long this process's waiters on the word spin before they block, in µs, between {@link
   * #minSpinMicros} and {@link #maxSpinMicros} (see Spinning in the class notes). Read and written
   * racily by the threads that wait: any value in the range is correct.
   */
  private int spinMicros;

  /** The longest spin, µs. */
  private final int maxSpinMicros;

  /** The shortest spin the adaptation goes down to, µs. */
  private final int minSpinMicros;

  /**
   * The lock whose biased holder signals without a fence before its read of the word, or null (see
   * Asymmetric).
   */
  private final @Nullable BiasedLock signallers;

  /**
   * Uses the int at {@code offset} of {@code memory} as the word; waiters spin for up to {@link
   * Waiting#SPIN_NANOS}.
   *
   * @param memory shared memory; zero-filled is a valid initial state
   * @param offset a 4-byte aligned offset
   */
  public EventCount(MemorySegment memory, long offset) {
    this(memory, offset, Waiting.SPIN_NANOS);
  }

  /**
   * Uses the int at {@code offset} of {@code memory} as the word; waiters spin for up to {@code
   * maxSpinNanos}, adapting down to a sixteenth of it.
   *
   * @param memory shared memory; zero-filled is a valid initial state
   * @param offset a 4-byte aligned offset
   * @param maxSpinNanos the longest spin before blocking
   */
  public EventCount(MemorySegment memory, long offset, long maxSpinNanos) {
    this(memory, offset, maxSpinNanos, null);
  }

  /**
   * Uses the int at {@code offset} of {@code memory} as the word; waiters spin for up to {@code
   * maxSpinNanos}, adapting down to a sixteenth of it.
   *
   * @param memory shared memory; zero-filled is a valid initial state
   * @param offset a 4-byte aligned offset
   * @param maxSpinNanos the longest spin before blocking
   * @param signallers null, or the lock whose holders signal: its biased thread calls {@link
   *     #signalAll()} after a plain release store of the condition, with no fence between, so while
   *     it is biased, waiters run a {@linkplain HeavyFence#heavy() heavy fence} before they check
   *     the condition and block
   */
  public EventCount(
      MemorySegment memory, long offset, long maxSpinNanos, @Nullable BiasedLock signallers) {
    if ((offset & 3) != 0) {
      throw new IllegalArgumentException("futex word offset must be 4-byte aligned: " + offset);
    }
    this.memory = memory;
    this.offset = offset;
    this.address = memory.address() + offset;
    this.maxSpinMicros = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(0, maxSpinNanos) / 1000);
    this.minSpinMicros = maxSpinMicros / 16;
    this.spinMicros = maxSpinMicros;
    this.signallers = signallers;
  }

  /**
   * Waits until {@code condition} returns true: spins briefly, then blocks without using CPU.
   *
   * <p>The condition is evaluated by the calling thread, possibly many times; it must read shared
   * state with acquire (or stronger) loads, and may have side effects only when it returns true
   * (such as a successful compareAndSet).
   *
   * @param condition what to wait for
   * @param timeoutNanos the longest wait; 0 or less evaluates the condition once; {@link
   *     Waiting#FOREVER} never times out
   * @return true if the condition returned true, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted while blocked (seen within {@link
   *     Waiting#FUTEX_SLICE_NANOS}); the interrupt status is cleared
   */
  public boolean await(BooleanSupplier condition, long timeoutNanos) throws InterruptedException {
    if (condition.getAsBoolean()) {
      return true;
    }
    if (timeoutNanos <= 0) {
      return false;
    }
    long start = System.nanoTime();
    if (Waiting.spin(condition, start, spinMicros * 1000L, timeoutNanos)) {
      adaptSpin(true);
      return true;
    }
    boolean futex = Waiting.futexForCurrentThread();
    long park = Waiting.PARK_MIN_NANOS;
    long slice = Waiting.FUTEX_FIRST_SLICE_NANOS;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      int key = 0;
      if (futex) {
        key = announceWaiter();
        BiasedLock lock = signallers;
        if (lock != null && lock.isBiased()) {
          HeavyFence.heavy();
        }
      }
      if (condition.getAsBoolean()) {
        adaptSpin(System.nanoTime() - start <= maxSpinMicros * 1000L);
        return true;
      }
      long remaining = timeoutNanos - (System.nanoTime() - start);
      if (remaining <= 0) {
        // Timed out: if after longer than the longest spin, no spin would have saved it either
        // (waiters that wait in bounded slices, an idle pipe's recv, time out on every slice).
        if (timeoutNanos - remaining > maxSpinMicros * 1000L) {
          adaptSpin(false);
        }
        return false;
      }
      if (futex) {
        int r = Libc.futexWait(address, key, Math.min(remaining, slice));
        slice = Math.min(slice * 2, Waiting.FUTEX_SLICE_NANOS);
        if (r != 0 && r != Libc.EAGAIN && r != Libc.ETIMEDOUT && r != Libc.EINTR) {
          futex = false; // unusable here (unsupported, or the memory was unmapped): poll instead
        }
      } else {
        LockSupport.parkNanos(this, Math.min(remaining, park));
        park = Math.min(park * 2, Waiting.PARK_MAX_NANOS);
      }
    }
  }

  /** Returns this process's current spin before blocking, in µs (for tests). */
  int spinMicros() {
    return spinMicros;
  }

  /**
   * Doubles the spin budget after a wait that the longest spin would have ended without blocking,
   * halves it after one that no spin would have.
   */
  private void adaptSpin(boolean spinningPays) {
    int micros = spinMicros;
    if (spinningPays ? micros < maxSpinMicros : micros > minSpinMicros) {
      spinMicros =
          spinningPays
              ? Math.min(maxSpinMicros, Math.max(1, micros * 2))
              : Math.max(minSpinMicros, micros / 2);
    }
  }

  /**
   * Sets the waiters bit (a full fence) and returns the word's value with it set: the first half of
   * one round of {@link #await}, which then checks its condition and waits on that value. Public so
   * that the jcstress tests can check the protocol's two halves against each other.
   *
   * @return the word, waiters bit set, to wait on
   */
  public int announceWaiter() {
    while (true) {
      int s = (int) INT.getVolatile(memory, offset);
      if ((s & WAITERS) != 0 || INT.compareAndSet(memory, offset, s, s | WAITERS)) {
        return s | WAITERS;
      }
    }
  }

  /**
   * Wakes every thread, in any process, waiting in {@link #await}. Call after making the condition
   * true with a volatile write or a compareAndSet (so that this method's read of the word cannot
   * move before it).
   *
   * @return true if a waiter had announced itself (and the word was bumped and waiters woken),
   *     false if none had, when nothing was written
   */
  public boolean signalAll() {
    int s = (int) INT.getVolatile(memory, offset);
    while ((s & WAITERS) != 0) {
      if (INT.compareAndSet(memory, offset, s, (s & ~WAITERS) + 2)) {
        Libc.futexWake(address, Integer.MAX_VALUE);
        return true;
      }
      s = (int) INT.getVolatile(memory, offset);
    }
    return false;
  }

  @Override
  public String toString() {
    return "EventCount@" + Long.toHexString(address) + "=" + INT.getVolatile(memory, offset);
  }
}
