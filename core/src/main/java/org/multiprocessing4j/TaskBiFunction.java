package org.multiprocessing4j;

import java.io.Serializable;

/**
 * A function of two arguments that can be sent to a worker process, for {@link
 * PoolExecutor#starmap}: Python's {@code func(*args)} with two arguments.
 *
 * @param <A> the first argument's type
 * @param <B> the second argument's type
 * @param <R> the result's type
 */
@FunctionalInterface
public interface TaskBiFunction<A, B, R> extends Serializable {

  /**
   * Applies the function.
   *
   * @param a the first argument
   * @param b the second argument
   * @return the result
   * @throws Exception anything; it becomes the failure reported for this pair
   */
  R apply(A a, B b) throws Exception;
}
