package org.multiprocessing4j;

import java.util.function.LongUnaryOperator;

/**
 * A fixed-length array of {@code long}s in shared memory, each element read and updated atomically
 * by threads of many processes: Python's {@code multiprocessing.Array('q', n)}, with the methods of
 * {@link java.util.concurrent.atomic.AtomicLongArray}.
 *
 * <p>Create one with {@link MultiprocessingContext#sharedLongArray(int)} and hand it to child
 * processes; the copy that arrives in a child is the same array. Each method is atomic on its one
 * element; to update several elements together, hold {@link #getLock()} or use {@link
 * #withLock(Runnable)}, as with Python's {@code get_lock()}. What is said of {@link SharedLong}
 * about dead processes and lifetime holds here too.
 *
 * <p>Memory consistency effects: every element access has the effects of a volatile read and/or
 * write, across processes, as {@link java.util.concurrent.atomic.AtomicLongArray}'s.
 */
public interface SharedLongArray {

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
  long get(int i);

  /**
   * Sets element {@code i}.
   *
   * @param i the index
   * @param value the new value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  void set(int i, long value);

  /**
   * Sets element {@code i} to {@code update} if it is {@code expected}, atomically.
   *
   * @param i the index
   * @param expected the value it must have
   * @param update the new value
   * @return true if it was set
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  boolean compareAndSet(int i, long expected, long update);

  /**
   * Adds {@code delta} to element {@code i} and returns the new value, atomically.
   *
   * @param i the index
   * @param delta what to add
   * @return the updated value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  long addAndGet(int i, long delta);

  /**
   * Adds one to element {@code i} and returns the new value, atomically.
   *
   * @param i the index
   * @return the updated value
   * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, length())}
   * @throws IllegalStateException if the context that created the array is closed
   */
  default long incrementAndGet(int i) {
    return addAndGet(i, 1);
  }

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
  long updateAndGet(int i, LongUnaryOperator update);

  /**
   * Returns a copy of the elements, each read atomically (the copy as a whole is not a snapshot
   * unless writers hold {@link #getLock()} and so does the caller).
   *
   * @return a new array
   * @throws IllegalStateException if the context that created the array is closed
   */
  long[] toArray();

  /**
   * Returns the lock that goes with this array: Python's {@code get_lock()}.
   *
   * @return the same lock every time, in every process
   */
  ProcessLock getLock();

  /**
   * Runs {@code action} holding {@link #getLock()}: for updates of several elements that other lock
   * holders must see all or none of. Blocks while another thread holds the lock.
   *
   * @param action what to do; it may use this array's methods
   * @throws IllegalStateException if the context that created the array is closed
   */
  void withLock(Runnable action);
}
