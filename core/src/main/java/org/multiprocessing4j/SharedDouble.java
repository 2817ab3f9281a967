package org.multiprocessing4j;

import java.util.function.DoubleUnaryOperator;

/**
 * A {@code double} in shared memory, read and updated atomically by threads of many processes:
 * Python's {@code multiprocessing.Value('d')}.
 *
 * <p>Create one with {@link MultiprocessingContext#sharedDouble(double)}; everything said of {@link
 * SharedLong} holds here. {@link #compareAndSet} compares bit patterns (as {@link
 * Double#doubleToRawLongBits}), so a NaN can be replaced by compare-and-set and {@code 0.0} does
 * not match {@code -0.0}. {@link #addAndGet} is a compare-and-set loop.
 *
 * <p>Memory consistency effects: every method has the effects of a volatile read and/or write
 * across processes.
 */
public interface SharedDouble {

  /**
   * Returns the value.
   *
   * @return the current value
   * @throws IllegalStateException if the context that created the value is closed
   */
  double get();

  /**
   * Sets the value.
   *
   * @param value the new value
   * @throws IllegalStateException if the context that created the value is closed
   */
  void set(double value);

  /**
   * Sets the value and returns the old one, atomically.
   *
   * @param value the new value
   * @return the previous value
   * @throws IllegalStateException if the context that created the value is closed
   */
  double getAndSet(double value);

  /**
   * Sets the value to {@code update} if its bits are those of {@code expected}, atomically.
   *
   * @param expected the value it must have
   * @param update the new value
   * @return true if it was set
   * @throws IllegalStateException if the context that created the value is closed
   */
  boolean compareAndSet(double expected, double update);

  /**
   * Adds {@code delta} and returns the new value, atomically.
   *
   * @param delta what to add
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  double addAndGet(double delta);

  /**
   * Replaces the value with {@code update} applied to it, atomically, by compare-and-set; {@code
   * update} may run several times, so it must have no side effects.
   *
   * @param update computes the new value from the current one
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  double updateAndGet(DoubleUnaryOperator update);

  /**
   * Returns the lock that goes with this value: Python's {@code get_lock()}.
   *
   * @return the same lock every time, in every process
   */
  ProcessLock getLock();

  /**
   * Holding {@link #getLock()}, replaces the value with {@code update} applied to it (run exactly
   * once) and returns the new value. Blocks while another thread holds the lock.
   *
   * @param update computes the new value from the current one
   * @return the updated value
   * @throws IllegalStateException if the context that created the value is closed
   */
  double withLock(DoubleUnaryOperator update);
}
