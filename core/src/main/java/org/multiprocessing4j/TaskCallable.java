package org.multiprocessing4j;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A task that returns a result and can be sent to a worker process: a {@link Callable} that is
 * {@link Serializable}.
 *
 * <p>A lambda or method reference is serializable only when its target type is, so {@code
 * pool.submit(() -> work())} on a {@link PoolExecutor} picks this type (the overloads taking it are
 * the most specific) and the lambda travels to the worker. Everything the task captures must be
 * serializable too; otherwise {@code submit} throws {@link UnserializableValueException} naming the
 * class and the field path.
 *
 * @param <V> the result's type; the result must be serializable to come back from a worker process
 */
@FunctionalInterface
public interface TaskCallable<V> extends Callable<V>, Serializable {}
