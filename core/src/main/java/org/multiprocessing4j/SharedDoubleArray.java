package org.multiprocessing4j;

import java.util.function.DoubleUnaryOperator;

/**
 * A fixed-length array of {@code double}s in shared memory, each element read and updated
 * atomically by threads of many processes: Python's {@code multiprocessing.Array('d', n)}.
 *
 * <p>Create one with {@link MultiprocessingContext#sharedDoubleArray(int)}; what is said of {@link
 * SharedLongArray} and {@link SharedDouble} (bitwise compare-and-set) holds here.
 *
 * <p>Memory consistency effects: every element access has the effects of a volatile read and/or
 * write, across processes.
 */
public interface SharedDoubleArray {

  /**
   * Returns the number of elements.
   *
   * @return the length, fixed at creation
   */
  int length();

  /**
   * Returns element {@code i}.
   *
   * @param i the index
   * @return its value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  double get(int i);

  /**
   * Sets element {@code i}.
   *
   * @param i the index
   * @param value the new value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  void set(int i, double value);

  /**
   * Sets element {@code i} to {@code update} if its bits are those of {@code expected}, atomically.
   *
   * @param i the index
   * @param expected the value it must have
   * @param update the new value
   * @return true if it was set
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  boolean compareAndSet(int i, double expected, double update);

  /**
   * Adds {@code delta} to element {@code i} and returns the new value, atomically.
   *
   * @param i the index
   * @param delta what to add
   * @return the updated value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  double addAndGet(int i, double delta);

  /**
   * Replaces element {@code i} with {@code update} applied to it, atomically, by compare-and-set;
   * {@code update} may run several times, so it must have no side effects.
   *
   * @param i the index
   * @param update computes the new value from the current one
   * @return the updated value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  double updateAndGet(int i, DoubleUnaryOperator update);

  /**
   * Returns a copy of the elements, each read atomically.
   *
   * @return a new array
   * @throws IllegalStateException if the context that created the array is closed
   */
  double[] toArray();

  /**
   * Returns the lock that goes with this array: Python's {@code get_lock()}.
   *
   * @return the same lock every time, in every process
   */
  ProcessLock getLock();

  /**
   * Runs {@code action} holding {@link #getLock()}. Blocks while another thread holds the lock.
   *
   * @param action what to do; it may use this array's methods
   * @throws IllegalStateException if the context that created the array is closed
   */
  void withLock(Runnable action);
}
