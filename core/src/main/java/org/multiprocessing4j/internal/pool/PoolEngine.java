package org.multiprocessing4j.internal.pool;

import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.TaskFunction;

/**
 * What a pool implementation provides to the public pool classes: tasks, chunks of maps, and the
 * lifecycle. The public classes build everything else (the map family, invokeAll, apply) on it.
 */
public interface PoolEngine {

  /** Returns the number of workers. */
  int workers();

  /** Returns how many chunks a map keeps in flight per window unit; the workers by default. */
  default int parallelism() {
    return workers();
  }

  /**
   * Submits a task.
   *
   * @param task what to run; for a process pool, a serializable callable
   * @param original what the user submitted, for messages and {@code shutdownNow}
   * @param timeoutNanos how long it may run; 0 for the pool's default, -1 for none
   * @throws java.util.concurrent.RejectedExecutionException if the pool no longer accepts tasks
   * @throws org.multiprocessing4j.UnserializableValueException if it cannot be serialized
   */
  <T extends @Nullable Object> TaskFuture<T> submit(
      Callable<T> task, Object original, long timeoutNanos);

  /**
   * Prepares to run chunks of a map with {@code fn}.
   *
   * @throws java.util.concurrent.RejectedExecutionException if the pool no longer accepts tasks
   * @throws org.multiprocessing4j.UnserializableValueException if the function cannot be serialized
   */
  ChunkRunner chunks(TaskFunction<Object, Object> fn);

  /** Stops accepting tasks; optionally cancels those not started. Does not wait. */
  void shutdown(boolean cancelPending);

  /** Stops everything at once; returns the tasks that never started. */
  List<Runnable> shutdownNow();

  /** Waits until the pool terminated; returns whether it did. */
  boolean awaitTermination(long timeoutNanos) throws InterruptedException;

  /** Returns whether the pool stopped accepting tasks. */
  boolean isShutdown();

  /** Returns whether the pool has terminated: every task ended, every worker gone. */
  boolean isTerminated();
}
