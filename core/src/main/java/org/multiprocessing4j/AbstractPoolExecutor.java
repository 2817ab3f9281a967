package org.multiprocessing4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.pool.Calls;
import org.multiprocessing4j.internal.pool.ChunkRunner;
import org.multiprocessing4j.internal.pool.MapIterator;
import org.multiprocessing4j.internal.pool.PoolEngine;
import org.multiprocessing4j.internal.pool.TaskFuture;

/**
 * What {@link ProcessPoolExecutor} and {@link ThreadPool} share: the whole {@link PoolExecutor}
 * API, built on an engine that runs tasks and chunks of maps.
 */
abstract class AbstractPoolExecutor implements PoolExecutor {

  private final PoolEngine engine;

  AbstractPoolExecutor(PoolEngine engine) {
    this.engine = engine;
  }

  @Override
  public final int workers() {
    return engine.workers();
  }

  // ------------------------------------------------------------------------------------ submit

  @Override
  public final <T> CompletableFuture<T> submit(TaskCallable<T> task) {
    Objects.requireNonNull(task, "task");
    return engine.submit(task, task, 0);
  }

  @Override
  public final <T> CompletableFuture<T> submit(TaskCallable<T> task, Duration timeout) {
    Objects.requireNonNull(task, "task");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("a task timeout must be positive: " + timeout);
    }
    return engine.submit(task, task, Math.max(1, saturatedNanos(timeout)));
  }

  @Override
  public final CompletableFuture<?> submit(TaskRunnable task) {
    Objects.requireNonNull(task, "task");
    return engine.<@Nullable Object>submit(
        new Calls.RunnableCall<@Nullable Object>(task, null), task, 0);
  }

  @Override
  public final <T> CompletableFuture<T> submit(TaskRunnable task, T result) {
    Objects.requireNonNull(task, "task");
    return engine.submit(new Calls.RunnableCall<>(task, result), task, 0);
  }

  @Override
  public final <T> CompletableFuture<T> submit(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    if (task instanceof TaskCallable<T> t) {
      return engine.submit(t, t, 0);
    }
    return engine.submit(new Calls.CallableCall<>(task), task, 0);
  }

  @Override
  public final CompletableFuture<?> submit(Runnable task) {
    Objects.requireNonNull(task, "task");
    return engine.<@Nullable Object>submit(
        new Calls.RunnableCall<@Nullable Object>(task, null), task, 0);
  }

  @Override
  public final <T> CompletableFuture<T> submit(Runnable task, T result) {
    Objects.requireNonNull(task, "task");
    return engine.submit(new Calls.RunnableCall<>(task, result), task, 0);
  }

  /**
   * Runs a task in a worker, as {@link #submit(Runnable)} without a future: a failure of the task
   * is printed to this JVM's standard error, as an uncaught exception of a thread is.
   *
   * @param task the task; serializable for a process pool
   * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down or broken
   * @throws UnserializableValueException if a process pool cannot serialize the task
   */
  @Override
  public final void execute(Runnable task) {
    var unused =
        submit(task)
            .whenComplete(
                (v, t) -> {
                  if (t != null && !(t instanceof CancellationException)) {
                    System.err.println("Exception in a task run by " + this + ".execute():");
                    t.printStackTrace();
                  }
                });
  }

  /**
   * Runs every task and waits until all have ended, as {@link
   * java.util.concurrent.ExecutorService#invokeAll(Collection)}.
   *
   * @param tasks the tasks; serializable for a process pool
   * @param <T> the results' type
   * @return their futures, in the order of {@code tasks}, all done
   * @throws InterruptedException if interrupted while waiting; the unfinished tasks are cancelled
   *     (with {@code cancel(true)}: a process pool kills the workers running them)
   * @throws UnserializableValueException if a process pool cannot serialize a task; none of them
   *     runs
   */
  @Override
  public final <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks)
      throws InterruptedException {
    List<Future<T>> futures = submitAll(tasks);
    try {
      for (Future<T> f : futures) {
        awaitQuietly(f, true, 0);
      }
    } catch (InterruptedException e) {
      cancelAll(futures);
      throw e;
    }
    return futures;
  }

  /**
   * Runs every task and waits until all have ended or the timeout passes, as {@link
   * java.util.concurrent.ExecutorService#invokeAll(Collection, long, TimeUnit)}; the tasks not done
   * by then are cancelled with {@code cancel(true)} (a process pool kills the workers running
   * them).
   *
   * @param tasks the tasks; serializable for a process pool
   * @param timeout how long to wait; zero or negative means do not wait
   * @param unit the timeout's unit
   * @param <T> the results' type
   * @return their futures, in the order of {@code tasks}, all done (some cancelled)
   * @throws InterruptedException if interrupted while waiting; the unfinished tasks are cancelled
   * @throws UnserializableValueException if a process pool cannot serialize a task; none of them
   *     runs
   */
  @Override
  public final <T> List<Future<T>> invokeAll(
      Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    List<Future<T>> futures = submitAll(tasks);
    try {
      for (Future<T> f : futures) {
        if (!awaitQuietly(f, false, deadline - System.nanoTime())) {
          break;
        }
      }
    } catch (InterruptedException e) {
      cancelAll(futures);
      throw e;
    }
    cancelAll(futures);
    return futures;
  }

  /**
   * Runs the tasks and returns the result of one that ended normally, as {@link
   * java.util.concurrent.ExecutorService#invokeAny(Collection)}; the others are then cancelled with
   * {@code cancel(true)} (a process pool kills the workers running them).
   *
   * @param tasks the tasks; serializable for a process pool
   * @param <T> the results' type
   * @return the first result to arrive
   * @throws InterruptedException if interrupted while waiting; the tasks are cancelled
   * @throws ExecutionException if every task failed; the cause is the last failure
   * @throws IllegalArgumentException if {@code tasks} is empty
   * @throws UnserializableValueException if a process pool cannot serialize a task; none of them
   *     runs
   */
  @Override
  public final <T> T invokeAny(Collection<? extends Callable<T>> tasks)
      throws InterruptedException, ExecutionException {
    try {
      return any(tasks, -1);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no timeout was given", e);
    }
  }

  /**
   * Runs the tasks and returns the result of one that ended normally within the timeout, as {@link
   * java.util.concurrent.ExecutorService#invokeAny(Collection, long, TimeUnit)}; the others are
   * then cancelled with {@code cancel(true)}.
   *
   * @param tasks the tasks; serializable for a process pool
   * @param timeout how long to wait; zero or negative means do not wait
   * @param unit the timeout's unit
   * @param <T> the results' type
   * @return the first result to arrive
   * @throws InterruptedException if interrupted while waiting; the tasks are cancelled
   * @throws ExecutionException if every task failed; the cause is the last failure
   * @throws TimeoutException if no task ended normally in time; the tasks are cancelled
   * @throws IllegalArgumentException if {@code tasks} is empty
   * @throws UnserializableValueException if a process pool cannot serialize a task
   */
  @Override
  public final <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return any(tasks, Math.max(0, unit.toNanos(timeout)));
  }

  private <T> T any(Collection<? extends Callable<T>> tasks, long timeoutNanos)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("invokeAny needs at least one task");
    }
    long deadline = System.nanoTime() + timeoutNanos;
    LinkedBlockingQueue<CompletableFuture<T>> done = new LinkedBlockingQueue<>();
    List<Future<T>> futures = submitAll(tasks);
    try {
      for (Future<T> f : futures) {
        CompletableFuture<T> cf = (CompletableFuture<T>) f;
        var unused = cf.whenComplete((v, t) -> done.add(cf));
      }
      Throwable last = null;
      for (int i = 0; i < futures.size(); i++) {
        CompletableFuture<T> f;
        if (timeoutNanos < 0) {
          f = done.take();
        } else {
          f = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
          if (f == null) {
            throw new TimeoutException("no task of invokeAny ended normally in time");
          }
        }
        try {
          return f.get();
        } catch (ExecutionException e) {
          last = e.getCause();
        } catch (CancellationException e) {
          last = e;
        }
      }
      throw new ExecutionException("every task of invokeAny failed; the cause is the last", last);
    } finally {
      cancelAll(futures);
    }
  }

  private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
    List<Future<T>> futures = new ArrayList<>(tasks.size());
    try {
      for (Callable<T> t : tasks) {
        futures.add(submit(t));
      }
    } catch (RuntimeException e) {
      cancelAll(futures);
      throw e;
    }
    return futures;
  }

  /** Waits for a future; returns false on timeout. Its failure is the caller's to read later. */
  private static boolean awaitQuietly(Future<?> f, boolean forever, long timeoutNanos)
      throws InterruptedException {
    try {
      if (forever) {
        f.get();
      } else if (timeoutNanos <= 0) {
        return f.isDone();
      } else {
        f.get(timeoutNanos, TimeUnit.NANOSECONDS);
      }
    } catch (ExecutionException | CancellationException e) {
      // Done, with a failure: the caller reads it from the future.
    } catch (TimeoutException e) {
      return false;
    }
    return true;
  }

  private static void cancelAll(List<? extends Future<?>> futures) {
    for (Future<?> f : futures) {
      if (!f.isDone()) {
        f.cancel(true);
      }
    }
  }

  // ------------------------------------------------------------------------------ apply family

  @Override
  public final <T, R> R apply(TaskFunction<? super T, ? extends R> fn, T arg)
      throws InterruptedException, ExecutionException {
    CompletableFuture<R> f = applyAsync(fn, arg);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  @Override
  public final <T, R> CompletableFuture<R> applyAsync(
      TaskFunction<? super T, ? extends R> fn, T arg) {
    Objects.requireNonNull(fn, "fn");
    TaskFuture<R> f = engine.submit(new Calls.FunctionCall<T, R>(fn, arg), fn, 0);
    return f;
  }

  @Override
  public final <T, R> CompletableFuture<R> applyAsync(
      TaskFunction<? super T, ? extends R> fn,
      T arg,
      Consumer<? super R> callback,
      Consumer<? super Throwable> errorCallback) {
    Objects.requireNonNull(callback, "callback");
    Objects.requireNonNull(errorCallback, "errorCallback");
    CompletableFuture<R> f = applyAsync(fn, arg);
    var unused =
        f.whenComplete(
            (v, t) -> {
              try {
                if (t == null) {
                  callback.accept(v);
                } else {
                  errorCallback.accept(
                      t instanceof CompletionException c && c.getCause() != null
                          ? c.getCause()
                          : t);
                }
              } catch (RuntimeException e) {
                // A callback's own failure is ignored, as documented.
              }
            });
    return f;
  }

  // -------------------------------------------------------------------------------- map family

  @Override
  public final <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return mapping(fn, items, true, MapOptions.defaults());
  }

  @Override
  public final <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn,
      Iterable<? extends T> items,
      int chunksize,
      Duration timeout) {
    return mapping(fn, items, true, MapOptions.defaults().chunksize(chunksize).timeout(timeout));
  }

  @Override
  public final <T, R> ResultIterator<R> map(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options) {
    return mapping(fn, items, true, options);
  }

  @Override
  public final <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options) {
    return mapping(fn, items, true, options);
  }

  @Override
  public final <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, MapOptions options) {
    return mapping(fn, items, false, options);
  }

  @Override
  public final <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return mapping(fn, items, true, MapOptions.defaults());
  }

  @Override
  public final <T, R> ResultIterator<R> imap(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return mapping(fn, items, true, MapOptions.defaults().chunksize(chunksize));
  }

  @Override
  public final <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
    return mapping(fn, items, false, MapOptions.defaults());
  }

  @Override
  public final <T, R> ResultIterator<R> imapUnordered(
      TaskFunction<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize) {
    return mapping(fn, items, false, MapOptions.defaults().chunksize(chunksize));
  }

  @SuppressWarnings("unchecked")
  private <R> ResultIterator<R> mapping(
      TaskFunction<?, ?> fn, Iterable<?> items, boolean ordered, MapOptions options) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(options, "options");
    ChunkRunner runner = engine.chunks((TaskFunction<Object, Object>) fn);
    return new MapIterator<>(
        runner,
        items,
        engine.parallelism(),
        ordered,
        options.chunksize(),
        options.timeout().orElse(null),
        options.progress().orElse(null),
        options.progressInterval());
  }

  @Override
  @SuppressWarnings("unchecked")
  public final <A, B, R> List<R> starmap(
      TaskBiFunction<? super A, ? super B, ? extends R> fn,
      Iterable<? extends Map.Entry<? extends A, ? extends B>> pairs)
      throws InterruptedException, ExecutionException {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(pairs, "pairs");
    Iterable<Object> spread =
        () -> {
          Iterator<? extends Map.Entry<? extends A, ? extends B>> it = pairs.iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Object next() {
              Map.Entry<? extends A, ? extends B> e = it.next();
              return new Calls.Pair(e.getKey(), e.getValue());
            }
          };
        };
    TaskFunction<Object, Object> f =
        new Calls.Spread((TaskBiFunction<Object, Object, Object>) (TaskBiFunction<?, ?, ?>) fn);
    List<R> results = new ArrayList<>();
    try (ResultIterator<R> it = mapping(f, spread, true, MapOptions.defaults())) {
      while (it.hasNext()) {
        try {
          results.add(it.next(Duration.ofNanos(Long.MAX_VALUE)));
        } catch (TimeoutException e) {
          throw new IllegalStateException("cannot happen: no timeout", e);
        }
      }
    }
    return results;
  }

  // ---------------------------------------------------------------------------------- shutdown

  @Override
  public final void shutdown(boolean wait, boolean cancelFutures) throws InterruptedException {
    engine.shutdown(cancelFutures);
    if (wait) {
      while (!engine.awaitTermination(Long.MAX_VALUE)) {
        // Waits as long as it takes.
      }
    }
  }

  @Override
  public final void shutdown() {
    engine.shutdown(false);
  }

  @Override
  public final List<Runnable> shutdownNow() {
    return engine.shutdownNow();
  }

  /**
   * Returns whether the pool was shut down (or broke): it accepts no new tasks.
   *
   * @return true after {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()}
   */
  @Override
  public final boolean isShutdown() {
    return engine.isShutdown();
  }

  /**
   * Returns whether the pool has terminated: shut down, every task ended and every worker stopped.
   *
   * @return true once terminated
   */
  @Override
  public final boolean isTerminated() {
    return engine.isTerminated();
  }

  /**
   * Blocks until the pool has terminated after a shutdown, the timeout passes, or the calling
   * thread is interrupted.
   *
   * @param timeout how long to wait; zero or negative means do not wait
   * @param unit the timeout's unit
   * @return true if the pool terminated, false if the timeout passed first
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public final boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return engine.awaitTermination(unit.toNanos(timeout));
  }

  @Override
  public final void close() {
    boolean interrupted = false;
    engine.shutdown(false);
    while (true) {
      try {
        if (engine.awaitTermination(TimeUnit.DAYS.toNanos(1))) {
          break;
        }
      } catch (InterruptedException e) {
        if (!interrupted) {
          engine.shutdownNow();
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public String toString() {
    return engine.toString();
  }
}
