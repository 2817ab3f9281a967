package org.multiprocessing4j;

import java.time.Duration;

/**
 * A {@link ProcessQueue} whose consumers report each item done, so that producers can wait until
 * every item put has been processed: Python's {@code multiprocessing.JoinableQueue}.
 *
 * <p>The count of unfinished items goes up with every put and down with every {@link #taskDone()},
 * in whatever process they happen. {@link #join()} returns when it reaches zero.
 *
 * <p>Across processes: a consumer that dies after taking an item and before calling {@link
 * #taskDone()} for it leaves the count above zero, and {@link #join()} then waits forever (as in
 * Python); use {@link #join(Duration)} where consumers may die.
 *
 * <p>Memory consistency effects: actions of a consumer prior to its {@link #taskDone()} call
 * happen-before the return of a {@link #join()} that the call let return, in any process.
 *
 * @param <E> the type of the items
 */
public interface JoinableQueue<E> extends ProcessQueue<E> {

  /**
   * Reports that an item taken from the queue has been processed: Python's {@code task_done()}.
   *
   * @throws IllegalStateException if called more times than items were put (Python's {@code
   *     ValueError}); the count is left unchanged
   */
  void taskDone();

  /**
   * Waits until every item put has been reported done: Python's {@code join()}.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  void join() throws InterruptedException;

  /**
   * Waits up to {@code timeout} until every item put has been reported done.
   *
   * @param timeout how long to wait; zero only checks
   * @return true if every item is done, false if the timeout elapsed first
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  boolean join(Duration timeout) throws InterruptedException;
}
