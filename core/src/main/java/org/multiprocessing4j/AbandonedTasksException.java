package org.multiprocessing4j;

import java.io.Serial;

/**
 * Thrown by {@link JoinableQueue#join()} when a process that took items from the queue died before
 * reporting them done with {@link JoinableQueue#taskDone()}: those items can never be reported
 * done, so the join could never return. Python's {@code join()} waits forever in this case.
 *
 * <p>The items were lost with the process (it had removed them from the queue). The queue stays
 * usable, and every later {@code join()} throws this exception too until the lost tasks are written
 * off: each {@code taskDone()} called by a process that holds no unfinished task of its own writes
 * off one task of a dead process. A producer that still has the lost items can put them again and
 * then call {@code taskDone()} once per lost item.
 */
public final class AbandonedTasksException extends IllegalStateException {
  @Serial private static final long serialVersionUID = 1L;

  private final long pid;
  private final long tasks;

  /**
   * Creates the exception.
   *
   * @param message what happened and what to do
   * @param pid the process id of the dead process
   * @param tasks how many tasks it left unfinished
   */
  public AbandonedTasksException(String message, long pid, long tasks) {
    super(message);
    this.pid = pid;
    this.tasks = tasks;
  }

  /**
   * Returns the process id of the process that died holding unfinished tasks.
   *
   * @return its pid
   */
  public long pid() {
    return pid;
  }

  /**
   * Returns how many tasks that process left unfinished.
   *
   * @return 1 or more
   */
  public long tasks() {
    return tasks;
  }
}
