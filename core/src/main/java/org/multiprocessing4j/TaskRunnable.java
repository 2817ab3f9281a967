package org.multiprocessing4j;

import java.io.Serializable;
import java.util.concurrent.CompletionException;

/**
 * A task without a result that can be sent to a worker process: a {@link Runnable} that is {@link
 * Serializable} and, unlike {@code Runnable}, may throw checked exceptions. {@code pool.submit(()
 * -> Files.writeString(path, text))} on a {@link PoolExecutor} picks this type, which makes the
 * lambda serializable; see {@link TaskCallable}.
 */
@FunctionalInterface
public interface TaskRunnable extends Runnable, Serializable {

  /**
   * Runs the task. A pool calls this method, so the task's exception is its failure as thrown.
   *
   * @throws Exception anything; it becomes the task's failure
   */
  void runTask() throws Exception;

  /**
   * Runs the task as a plain {@link Runnable}: calls {@link #runTask()}, and wraps a checked
   * exception it throws in a {@link CompletionException}.
   *
   * @throws CompletionException if {@link #runTask()} threw a checked exception (the cause)
   */
  @Override
  @SuppressWarnings("FunctionalInterfaceMethodChanged") // deliberate: lets tasks throw checked
  default void run() {
    try {
      runTask();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }
}
