package org.multiprocessing4j;

import org.jspecify.annotations.Nullable;

/**
 * A plain unbounded first-in first-out queue shared by processes: Python's {@code
 * multiprocessing.SimpleQueue}, with {@code put}, {@code get}, {@code empty} and {@code close}.
 *
 * <p>Unlike {@link ProcessQueue} it accepts {@code null} items (Python's {@code None}) and has no
 * timeouts. It is unbounded in items; a put waits while the ring is full or the queue's memory
 * budget is spent. Everything {@link ProcessQueue} says about items, processes, failures and memory
 * consistency holds here too.
 *
 * @param <E> the type of the items
 */
public interface SimpleQueue<E extends @Nullable Object> extends AutoCloseable {

  /**
   * Puts an item at the tail.
   *
   * <p>Returns at once unless the queue's memory budget is spent, in which case it waits for room.
   *
   * @param item the item; may be null
   * @throws InterruptedException if interrupted while waiting for room; the item was not put
   * @throws UnserializableValueException if the item cannot be encoded; nothing was put
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  void put(E item) throws InterruptedException;

  /**
   * Removes and returns the item at the head, waiting as long as needed for one.
   *
   * @return the item; null if null was put
   * @throws InterruptedException if interrupted while waiting; nothing was taken
   * @throws UndecodableValueException if the item cannot be decoded here; it was removed
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  E get() throws InterruptedException;

  /**
   * Returns whether the queue has no items; approximate while others use it.
   *
   * @return true if empty
   */
  boolean empty();

  /**
   * Closes the queue in this process: later puts and gets here throw {@link IllegalStateException}.
   * Other processes are not affected. Idempotent.
   */
  @Override
  void close();
}
