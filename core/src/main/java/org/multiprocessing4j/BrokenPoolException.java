package org.multiprocessing4j;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * The failure of a pool that can no longer run tasks, as Python's {@code BrokenProcessPool}: the
 * pool's initializer threw in a worker, or a worker process could not be started (a bad JVM option,
 * a class missing from the worker's class path), or died before it was ready.
 *
 * <p>Retrying would fail the same way, so instead of restarting workers forever (and hanging, a
 * known trap in Python) the pool stops: every task not yet done fails with this exception, later
 * submissions are rejected with a {@link java.util.concurrent.RejectedExecutionException} whose
 * cause is this exception, and the workers are ended. The {@linkplain #getCause() cause} is the
 * initializer's exception (a {@link RemoteProcessException}) or the start failure.
 */
public final class BrokenPoolException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the pool broke and what to do
   * @param cause the underlying failure, or {@code null}
   */
  public BrokenPoolException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
