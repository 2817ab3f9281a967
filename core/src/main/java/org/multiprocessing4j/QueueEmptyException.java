package org.multiprocessing4j;

import java.io.Serial;
import java.util.NoSuchElementException;

/**
 * Thrown by {@link ProcessQueue#getNowait}, {@link ProcessQueue#get(java.time.Duration)}, {@link
 * ProcessQueue#remove()} and {@link ProcessQueue#element()} when the queue has no item: Python's
 * {@code queue.Empty}.
 *
 * <p>It extends {@link NoSuchElementException}, which is what {@link java.util.Queue#remove()}
 * throws for an empty queue. Nothing was taken: the queue is as it was.
 */
public final class QueueEmptyException extends NoSuchElementException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was empty, and for how long the caller waited
   */
  public QueueEmptyException(String message) {
    super(message);
  }
}
