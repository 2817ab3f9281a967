package org.multiprocessing4j;

/**
 * A lock or semaphore permit held by the calling thread, released by {@link #close()}: the resource
 * of a try-with-resources statement, as Python's {@code with lock:} block.
 *
 * <pre>{@code
 * try (Held held = lock.hold()) {
 *   if (held.ownerDied()) {
 *     repair();                 // a holder was killed while updating what the lock protects
 *     lock.markConsistent();
 *   }
 *   update();
 * }
 * }</pre>
 *
 * <p>A hold belongs to the thread that acquired it; close it in that thread.
 */
public interface Held extends AutoCloseable {

  /**
   * Returns whether the lock was in the owner-died state when this hold began: a process had died
   * while holding it and nobody had declared the protected data consistent since (see {@link
   * ProcessLock#ownerDied()}). Always false for a semaphore permit, whose holder's death simply
   * gives the permit back.
   *
   * @return true if the previous holder died holding the lock
   */
  boolean ownerDied();

  /**
   * Releases what this hold acquired. Idempotent: a second call does nothing.
   *
   * @throws IllegalMonitorStateException if called by a thread that does not hold the lock
   * @throws IllegalStateException if the context that created the lock or semaphore is closed
   */
  @Override
  void close();
}
