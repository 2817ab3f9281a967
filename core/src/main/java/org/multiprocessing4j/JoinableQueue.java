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
 * #taskDone()} for it leaves the count above zero for good. Where Python's {@code join()} then
 * waits forever, {@link #join()} throws {@link AbandonedTasksException} naming the dead process,
 * within about 100 ms of its death (the queue records, per process, how many items it took and has
 * not yet reported done). A {@code taskDone()} from a process that holds no unfinished task of its
 * own writes off one task of a dead process, after which {@code join()} can return again. Not
 * detected: a process killed in the instant between removing an item and recording it (a few
 * instructions), and the tasks of processes beyond the first 128 that take from one queue.
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
   * <p>It counts against this process's own unfinished tasks; if this process holds none (the item
   * was taken by another process), against those of a dead process first, then of any process.
   *
   * @throws IllegalStateException if called more times than items were put (Python's {@code
   *     ValueError}); the count is left unchanged
   */
  void taskDone();

  /**
   * Waits until every item put has been reported done: Python's {@code join()}.
   *
   * @throws InterruptedException if interrupted while waiting
   * @throws AbandonedTasksException if a process that took items died before reporting them done,
   *     so they never can be (see above)
   */
  void join() throws InterruptedException;

  /**
   * Waits up to {@code timeout} until every item put has been reported done.
   *
   * @param timeout how long to wait; zero only checks
   * @return true if every item is done, false if the timeout elapsed first
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws AbandonedTasksException if a process that took items died before reporting them done
   */
  boolean join(Duration timeout) throws InterruptedException;
}
