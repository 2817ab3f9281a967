package org.multiprocessing4j;

import java.io.Serial;

/**
 * Thrown by {@link ProcessQueue#putNowait}, {@link ProcessQueue#put(Object, java.time.Duration)}
 * and {@link ProcessQueue#add} when the queue has no room: Python's {@code queue.Full}.
 *
 * <p>It extends {@link IllegalStateException}, which is what {@link java.util.Queue#add} throws for
 * a full queue, so code written against {@code java.util.concurrent} catches it too. Nothing was
 * put: the queue is as it was.
 */
public final class QueueFullException extends IllegalStateException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was full, and for how long the caller waited
   */
  public QueueFullException(String message) {
    super(message);
  }
}
