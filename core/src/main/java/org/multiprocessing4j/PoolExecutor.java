package org.multiprocessing4j;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * An {@link ExecutorService} with Python's pool API: {@code concurrent.futures}' {@code map} and
 * {@code shutdown(wait, cancel_futures)}, and {@code multiprocessing.Pool}'s {@code imap}, {@code
 * imapUnordered}, {@code starmap}, {@code apply} and {@code applyAsync}.
 *
 * <p>Two implementations make switching between processes and threads a one-line change, as in
 * Python: {@link ProcessPoolExecutor} runs tasks in worker JVMs (isolation, hard cancellation) and
 * {@link ThreadPool} runs them in threads of this JVM.
 *
 * <pre>{@code
 * try (PoolExecutor pool = new ProcessPoolExecutor(4)) {     // or: new ThreadPool(4)
 *   CompletableFuture<Integer> f = pool.submit(() -> 6 * 7);
 *   pool.map(x -> x * x, List.of(1, 2, 3)).forEachRemaining(System.out::println);
 * }
 * }</pre>
 *
 * <h2>Tasks</h2>
 *
 * Tasks and map functions are {@link TaskCallable}, {@link TaskRunnable}, {@link TaskFunction} or
 * {@link TaskBiFunction}: serializable functional types, so that lambdas travel to worker
 * processes. Overloads taking them are the most specific, so a lambda passed to {@code submit}
 * becomes one. A thread pool accepts the same types and never serializes them.
 *
 * <h2>Futures</h2>
 *
 * Every future returned is a {@link CompletableFuture}: Python's {@code add_done_callback} is
 * {@link CompletableFuture#whenComplete}; callbacks added before completion run in a pool thread
 * and must be quick. {@link CompletableFuture#cancel(boolean) cancel(false)} stops a task that has
 * not started (it will never run); {@code cancel(true)} also stops a running one: a process pool
 * kills the worker running it and starts a replacement, a thread pool interrupts the thread. Every
 * future completes: with the result, the task's exception, a cancellation, a timeout, or the
 * worker's death; nothing is left hanging, not even at shutdown.
 *
 * <h2>Shutdown</h2>
 *
 * {@link #shutdown()} stops accepting tasks and lets those submitted finish; {@link
 * #shutdown(boolean, boolean)} is Python's, which can also cancel the tasks not yet started and
 * wait; {@link #shutdownNow()} stops everything at once; {@link #close()} shuts down and waits.
 *
 * <p>Memory consistency effects: actions in a thread before it submits a task happen-before the
 * task runs (in a process pool, the task sees what was serialized at submission); the task's
 * actions happen-before its future completes, for whoever reads the future's result.
 */
public interface PoolExecutor extends ExecutorService {

  /**
   * Returns the number of workers (processes or threads) the pool runs tasks on.
   *
   * @return the number of workers, at least 1
   */
  int workers();

  // ------------------------------------------------------------------------------------ submit

  /**
   * Submits a task and returns its future at once; the task runs when a worker is free.
   *
   * @param task the task; for a process pool it and everything it captures must be serializable
   * @param <T> the result's type
   * @return the task's future
   * @throws RejectedExecutionException if the pool is shut down or broken (the cause is then a
   *     {@link BrokenPoolException})
   * @throws UnserializableValueException if a process pool cannot serialize the task; nothing was
   *     submitted
   */
  <T> CompletableFuture<T> submit(TaskCallable<T> task);

  /**
   * Submits a task with its own time limit: if it runs longer than {@code timeout}, it is stopped
   * (in a process pool its worker is killed and replaced; in a thread pool its thread is
   * interrupted) and its future fails with a {@link java.util.concurrent.TimeoutException}. The
   * time counts from when the task starts, not from submission.
   *
   * @param task the task
   * @param timeout how long the task may run; must be positive
   * @param <T> the result's type
   * @return the task's future
   * @throws IllegalArgumentException if the timeout is zero or negative
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  <T> CompletableFuture<T> submit(TaskCallable<T> task, Duration timeout);

  /**
   * Submits a task without a result; its future completes with {@code null}.
   *
   * @param task the task
   * @return the task's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  CompletableFuture<?> submit(TaskRunnable task);

  /**
   * Submits a task whose future completes with {@code result} when it ends normally.
   *
   * @param task the task
   * @param result the value to complete the future with; serializable for a process pool
   * @param <T> the result's type
   * @return the task's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task or result
   */
  <T> CompletableFuture<T> submit(TaskRunnable task, T result);

  /**
   * Submits a task, as {@link #submit(TaskCallable)}. A process pool needs the callable to be
   * serializable: a lambda whose target type is plain {@link Callable} is not, and fails with an
   * {@link UnserializableValueException} that says to use {@link TaskCallable}.
   *
   * @param task the task
   * @param <T> the result's type
   * @return the task's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  @Override
  <T> CompletableFuture<T> submit(Callable<T> task);

  /**
   * Submits a task, as {@link #submit(TaskRunnable)}; see {@link #submit(Callable)} about
   * serializability.
   *
   * @param task the task
   * @return the task's future, completed with {@code null}
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  @Override
  CompletableFuture<?> submit(Runnable task);

  /**
   * Submits a task, as {@link #submit(TaskRunnable, Object)}; see {@link #submit(Callable)} about
   * serializability.
   *
   * @param task the task
   * @param result the value to complete the future with
   * @param <T> the result's type
   * @return the task's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  @Override
  <T> CompletableFuture<T> submit(Runnable task, T result);

  // ------------------------------------------------------------------------------ apply family

  /**
   * Runs {@code fn(arg)} in a worker and waits for the result, as Python's {@code Pool.apply}.
   *
   * @param fn the function
   * @param arg its argument
   * @param <T> the argument's type
   * @param <R> the result's type
   * @return the result
   * @throws InterruptedException if the calling thread is interrupted while waiting; the task is
   *     cancelled
   * @throws ExecutionException if the function threw (the cause) or its worker died (a {@link
   *     WorkerDiedException} cause)
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function or
   *     argument
   */
  <T, R> R apply(TaskFunction<? super T, ? extends R> fn, T arg)
      throws InterruptedException, ExecutionException;

  /**
   * Runs {@code fn(arg)} in a worker without waiting, as Python's {@code Pool.apply_async}.
   *
   * @param fn the function
   * @param arg its argument
   * @param <T> the argument's type
   * @param <R> the result's type
   * @return the result's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function or
   *     argument
   */
  <T, R> CompletableFuture<R> applyAsync(TaskFunction<? super T, ? extends R> fn, T arg);

  /**
   * Runs {@code fn(arg)} in a worker without waiting, and calls {@code callback} with the result or
   * {@code errorCallback} with the failure, as Python's {@code apply_async(func, args, callback,
   * error_callback)}. Exactly one of the two is called, once, in a pool thread (or in the calling
   * thread if the task is already done), so it must be quick; an exception it throws is ignored.
   *
   * @param fn the function
   * @param arg its argument
   * @param callback called with the result
   * @param errorCallback called with the failure: the function's exception ({@link
   *     RemoteProcessException} from a process pool), a {@link WorkerDiedException}, a {@link
   *     java.util.concurrent.CancellationException} or a {@link
   *     java.util.concurrent.TimeoutException}
   * @param <T> the argument's type
   * @param <R> the result's type
   * @return the result's future
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function or
   *     argument
   */
  <T, R> CompletableFuture<R> applyAsync(
      TaskFunction<? super T, ? extends R> fn,
      T arg,
      Consumer<? super R> callback,
      Consumer<? super Throwable> errorCallback);

  // -------------------------------------------------------------------------------- map family

  /**
   * Applies {@code fn} to every item, in the workers, and returns the results lazily in input
   * order, as Python's {@code Executor.map}, with an automatic chunk size and no timeout.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   * @see ResultIterator
   */
  <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Applies {@code fn} to every item and returns the results lazily in input order, as Python's
   * {@code Executor.map(fn, items, timeout=timeout, chunksize=chunksize)}.
   *
   * <p>Items are sent to workers in chunks of {@code chunksize}; larger chunks cost less per item
   * and delay the first result. Zero chooses automatically: small at first, then sized so that a
   * chunk runs for a few milliseconds (at most a quarter of each worker's share of a collection).
   *
   * <p>The timeout is a deadline counted from this call, as in Python: when a result is not ready
   * by then, {@code next()} throws a {@link java.util.concurrent.CompletionException} whose cause
   * is a {@link java.util.concurrent.TimeoutException}, and the map ends (the work in flight is
   * cancelled).
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param chunksize items per chunk, or 0 for automatic
   * @param timeout the deadline for all results, from now; must be positive
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws IllegalArgumentException if {@code chunksize} is negative or the timeout is not
   *     positive
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      int chunksize,
      Duration timeout);

  /**
   * Applies {@code fn} to every item and returns the results lazily in input order, as Python's
   * {@code Pool.imap}, with an automatic chunk size. Use {@link ResultIterator#next(Duration)} for
   * a timeout on each result.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Applies {@code fn} to every item in chunks of {@code chunksize} and returns the results lazily
   * in input order, as Python's {@code Pool.imap(func, iterable, chunksize)}.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param chunksize items per chunk, or 0 for automatic
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws IllegalArgumentException if {@code chunksize} is negative
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Applies {@code fn} to every item and returns the results as they complete, in no particular
   * order, as Python's {@code Pool.imap_unordered}, with an automatic chunk size.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in completion order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

  /**
   * Applies {@code fn} to every item in chunks of {@code chunksize} and returns the results as they
   * complete, as Python's {@code Pool.imap_unordered(func, iterable, chunksize)}.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param chunksize items per chunk, or 0 for automatic
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in completion order
   * @throws IllegalArgumentException if {@code chunksize} is negative
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

  /**
   * Applies {@code fn} to every item and returns the results lazily in input order, as {@link
   * #map(TaskFunction, Iterable, int, Duration)}, with the chunk size, deadline and progress
   * listener of {@code options}. Without a deadline in the options, there is none.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param options chunk size, deadline, progress listener
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options);

  /**
   * Applies {@code fn} to every item and returns the results lazily in input order, as Python's
   * {@code Pool.imap}, with the chunk size, deadline and progress listener of {@code options}.
   *
   * <p>The deadline, if the options have a {@linkplain MapOptions#timeout(Duration) timeout},
   * counts from this call: a result not ready by then makes {@code next()} throw a {@link
   * java.util.concurrent.CompletionException} whose cause is a {@link
   * java.util.concurrent.TimeoutException}, and the map ends (the work in flight is cancelled). A
   * chunk whose worker died fails with a {@link WorkerDiedException} for its first item, and the
   * map ends; see {@link ResultIterator} for every failure.
   *
   * <pre>{@code
   * MapOptions o = MapOptions.defaults().progress(p -> System.err.print("\r" + p));
   * try (ResultIterator<Long> it = pool.imap(Primes::count, ranges, o)) {
   *   it.forEachRemaining(total::add);
   * }
   * }</pre>
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param options chunk size, deadline, progress listener
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options);

  /**
   * Applies {@code fn} to every item and returns the results as they complete, as Python's {@code
   * Pool.imap_unordered}, with the chunk size, deadline and progress listener of {@code options}.
   * The deadline and failures behave as in {@link #imap(TaskFunction, Iterable, MapOptions)}.
   *
   * @param fn the function
   * @param items the input; read lazily by the thread that iterates the results
   * @param options chunk size, deadline, progress listener
   * @param <T> the items' type
   * @param <R> the results' type
   * @return the results, in completion order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options);

  /**
   * Applies a two-argument function to every pair and waits for all results, as Python's {@code
   * Pool.starmap} (which returns a list). Pairs are {@link Map.Entry} values, for example from
   * {@link Map#entry}.
   *
   * @param fn the function
   * @param pairs the argument pairs
   * @param <A> the first arguments' type
   * @param <B> the second arguments' type
   * @param <R> the results' type
   * @return the results, in input order
   * @throws InterruptedException if the calling thread is interrupted while waiting; the rest of
   *     the work is cancelled
   * @throws ExecutionException if a call failed; its cause is the first failure in input order
   * @throws RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the function
   */
  <A, B, R> List<R> starmap(
      TaskBiFunction<? super A, ? super B, ? extends R> fn,
      Iterable<? extends Map.Entry<? extends A, ? extends B>> pairs)
      throws InterruptedException, ExecutionException;

  // ----------------------------------------------------------------------------------- shutdown

  /**
   * Shuts the pool down as Python's {@code Executor.shutdown(wait, cancel_futures)}: no new tasks
   * are accepted; if {@code cancelFutures}, the tasks not yet started are cancelled (their futures
   * complete with a {@link java.util.concurrent.CancellationException}); the others run to their
   * end. Then the workers stop. Idempotent.
   *
   * @param wait whether to block until every running task has ended and every worker has stopped
   * @param cancelFutures whether to cancel the tasks that have not started
   * @throws InterruptedException if the calling thread is interrupted while waiting; the shutdown
   *     goes on in the background
   */
  void shutdown(boolean wait, boolean cancelFutures) throws InterruptedException;

  /**
   * Stops accepting tasks; the tasks submitted so far run to their end, then the workers stop. Does
   * not wait: {@link #awaitTermination} for that. Idempotent.
   */
  @Override
  void shutdown();

  /**
   * Stops everything at once: a process pool kills its workers, a thread pool interrupts its
   * threads. Running tasks' futures and those of tasks not yet started are cancelled. Does not wait
   * for the workers to be gone: {@link #awaitTermination} for that.
   *
   * @return the tasks that never started, as submitted (a {@link Callable} as a {@link Runnable}
   *     that calls it); map items are not included
   */
  @Override
  List<Runnable> shutdownNow();

  /**
   * Shuts down and waits until every task has ended and every worker has stopped, as {@link
   * ExecutorService#close()}: if the waiting thread is interrupted, {@link #shutdownNow()} is
   * called, the wait goes on, and the interrupt status is set again on return.
   */
  @Override
  void close();
}
