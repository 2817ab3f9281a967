package org.multiprocessing4j;

import java.io.Serial;

/**
 * Thrown by a blocking acquire of a {@link ProcessLock} when the context's deadlock detector finds
 * the calling thread in a cycle of threads each waiting for a lock the next one holds, and picks it
 * to break the cycle.
 *
 * <p>Exactly one thread of each cycle gets this exception; the others keep waiting. The lock it was
 * waiting for is not held, but every lock it acquired before still is: the thread should release
 * them (a {@code finally} block or try-with-resources does) so that the others can proceed. See
 * {@link MultiprocessingContext#setDeadlockDetection(boolean)}.
 */
public final class ProcessDeadlockException extends IllegalStateException {
  @Serial private static final long serialVersionUID = 1L;

  /** The cycle, kept for {@link #deadlock()}. */
  private final Deadlock deadlock;

  /**
   * Creates the exception for a cycle that the calling thread is part of.
   *
   * @param deadlock the cycle
   */
  public ProcessDeadlockException(Deadlock deadlock) {
    super("deadlock detected; this thread gives up its wait to break it: " + deadlock);
    this.deadlock = deadlock;
  }

  /**
   * Returns the cycle that was found.
   *
   * @return the cycle, starting with the thread that received this exception
   */
  public Deadlock deadlock() {
    return deadlock;
  }
}
