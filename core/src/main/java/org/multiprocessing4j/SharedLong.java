package org.multiprocessing4j;

import java.util.function.LongUnaryOperator;

/**
 * A {@code long} in shared memory, read and updated atomically by threads of many processes:
 * Python's {@code multiprocessing.Value('q')}, with the methods of {@link
 * java.util.concurrent.atomic.AtomicLong}.
 *
 * <p>Create one with {@link MultiprocessingContext#sharedLong(long)} and hand it to child
 * processes; the copy that arrives in a child is the same value. Every method is atomic on its own
 * and never blocks (except {@link #withLock}): {@code incrementAndGet()} from four processes loses
 * no update. For a compound update that must see no interference from other lock holders (several
 * values changed together, a read-decide-write), hold {@link #getLock()}, as with Python's {@code
 * get_lock()}:
 *
 * <pre>{@code
 * SharedLong balance = ctx.sharedLong(100);
 * try (var _ = balance.getLock().hold()) {       // with balance.get_lock():
 *   if (balance.get() >= price) {
 *     balance.addAndGet(-price);
 *   }
 * }
 * }</pre>
 *
 * The lock is advisory: it excludes other holders of the lock, not callers of the atomic methods
 * that do not take it. A process that dies cannot corrupt the value (every update is one atomic
 * instruction); a process that dies holding {@link #getLock()} leaves it in the owner-died state
 * ({@link ProcessLock}).
 *
 * <p>The value lives until the context that created it is closed.
 *
 * <p>Memory consistency effects: every method has the effects of a volatile read and/or write, as
 * those of {@link java.util.concurrent.atomic.AtomicLong}, across processes.
 */
public interface SharedLong {

  /**
   * Returns the value.
   *
   * @return the current value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long get();

  /**
   * Sets the value.
   *
   * @param value the new value
   * @throws IllegalStateException if the context that created the value is closed
   */
  void set(long value);

  /**
   * Sets the value and returns the old one, atomically.
   *
   * @param value the new value
   * @return the previous value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long getAndSet(long value);

  /**
   * Sets the value to {@code update} if it is {@code expected}, atomically.
   *
   * @param expected the value it must have
   * @param update the new value
   * @return true if it was set; false if the value was not {@code expected}
   * @throws IllegalStateException if the context that created the value is closed
   */
  boolean compareAndSet(long expected, long update);

  /**
   * Adds {@code delta} and returns the new value, atomically.
   *
   * @param delta what to add; may be negative
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long addAndGet(long delta);

  /**
   * Adds {@code delta} and returns the old value, atomically.
   *
   * @param delta what to add; may be negative
   * @return the previous value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long getAndAdd(long delta);

  /**
   * Adds one and returns the new value, atomically.
   *
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  default long incrementAndGet() {
    return addAndGet(1);
  }

  /**
   * Subtracts one and returns the new value, atomically.
   *
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  default long decrementAndGet() {
    return addAndGet(-1);
  }

  /**
   * Replaces the value with {@code update} applied to it, atomically, by compare-and-set: {@code
   * update} may run several times when other threads update at the same time, so it must have no
   * side effects.
   *
   * @param update computes the new value from the current one
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long updateAndGet(LongUnaryOperator update);

  /**
   * Returns the lock that goes with this value, for compound updates: Python's {@code get_lock()}.
   *
   * @return the same lock every time (in every process)
   */
  ProcessLock getLock();

  /**
   * Holding {@link #getLock()}, replaces the value with {@code update} applied to it, and returns
   * the new value. Unlike {@link #updateAndGet}, {@code update} runs exactly once, so it may have
   * side effects (such as updating other shared values under the same lock).
   *
   * <p>Blocks while another thread holds the lock, as {@link ProcessLock#lock()} does.
   *
   * @param update computes the new value from the current one
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  long withLock(LongUnaryOperator update);
}
