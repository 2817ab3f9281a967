package org.multiprocessing4j;

import java.io.Serializable;

/**
 * A function of one argument that can be sent to a worker process, for {@link PoolExecutor#map} and
 * its relatives: Python's {@code func}. It may throw any exception; the exception ends the map at
 * that item (see {@link ResultIterator}).
 *
 * @param <T> the argument's type; arguments must be serializable for a process pool
 * @param <R> the result's type; results must be serializable for a process pool
 */
@FunctionalInterface
public interface TaskFunction<T, R> extends Serializable {

  /**
   * Applies the function.
   *
   * @param t the argument
   * @return the result
   * @throws Exception anything; it becomes the failure reported for this item
   */
  R apply(T t) throws Exception;
}
