package org.multiprocessing4j;

/**
 * A {@link ProcessLock} that its holding thread may acquire again: Python's {@code
 * multiprocessing.RLock}.
 *
 * <p>The owner is a thread of a process. Each acquire by the owner adds one to the hold count, each
 * release takes one away, and the lock is free again when the count reaches zero, as with {@link
 * java.util.concurrent.locks.ReentrantLock}. Acquiring when the calling thread already holds the
 * lock never blocks. Everything else, including what happens when the owning process dies (the
 * whole hold count is given up and the next acquirer finds the lock in the owner-died state), is as
 * described by {@link ProcessLock}.
 *
 * <pre>{@code
 * ReentrantProcessLock lock = Multiprocessing.local().reentrantLock();
 * lock.lock();
 * lock.lock();        // does not block: hold count 2
 * lock.unlock();
 * lock.unlock();      // free again
 * }</pre>
 *
 * <p>Memory consistency effects: as for {@link ProcessLock}; a reentrant acquire or a release that
 * leaves the count above zero is not a synchronisation point with other threads.
 */
public interface ReentrantProcessLock extends ProcessLock {

  /**
   * Returns how many times the calling thread holds the lock: acquires minus releases.
   *
   * @return the hold count of the calling thread; 0 if it does not hold the lock
   * @throws IllegalStateException if the context that created the lock is closed
   */
  int getHoldCount();
}
