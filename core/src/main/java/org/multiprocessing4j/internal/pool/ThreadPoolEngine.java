package org.multiprocessing4j.internal.pool;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.BrokenPoolException;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.TaskFunction;

/**
 * The engine of {@code ThreadPool}: the same contract as {@link ProcessPoolEngine}, on daemon
 * threads of this JVM. Nothing is serialized; a task's exception arrives as itself.
 */
public final class ThreadPoolEngine implements PoolEngine {
  /*
   * Design
   *
   * One queue of pending jobs under one lock; N daemon threads take jobs from it. A job records the
   * thread running it (under the lock), so that cancel(true) and a timeout interrupt that thread
   * and no other: the thread clears its interrupt status under the same lock when the job ends.
   *
   * States: RUNNING ──shutdown()──▶ SHUTDOWN ──(queue empty, threads gone)──▶ TERMINATED;
   *         RUNNING/SHUTDOWN ──shutdownNow()/initializer failed──▶ STOP ──(threads gone)──▶ TERMINATED.
   *
   * Threads: the N workers (platform, daemon, named prefix-1..N); a timer (platform, daemon) only
   * when a task has a timeout.
   */

  private static final AtomicInteger POOLS = new AtomicInteger();

  private enum State {
    RUNNING,
    SHUTDOWN,
    STOP,
    TERMINATED
  }

  private static final class Job {
    final @Nullable Callable<?> call;
    final @Nullable TaskFunction<Object, Object> fn;
    final @Nullable List<@Nullable Object> items;
    final TaskFuture<@Nullable Object> future = new TaskFuture<>();
    final Object original;
    final long timeoutNanos;
    @Nullable Thread runner; // guarded by lock
    @Nullable ScheduledFuture<?> timer; // guarded by lock

    Job(
        @Nullable Callable<?> call,
        @Nullable TaskFunction<Object, Object> fn,
        @Nullable List<@Nullable Object> items,
        Object original,
        long timeoutNanos) {
      this.call = call;
      this.fn = fn;
      this.items = items;
      this.original = original;
      this.timeoutNanos = timeoutNanos;
    }
  }

  private final int size;
  private final long taskTimeoutNanos;
  private final String poolName;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition terminated = lock.newCondition();
  private final ArrayDeque<Job> pending = new ArrayDeque<>(); // guarded by lock
  private final List<Job> running = new ArrayList<>(); // guarded by lock
  private State state = State.RUNNING; // guarded by lock
  private int live; // guarded by lock: threads not yet ended
  private @Nullable BrokenPoolException broken; // guarded by lock
  private @Nullable ScheduledThreadPoolExecutor timer; // guarded by lock

  /**
   * Starts the pool's threads.
   *
   * @param size the number of threads
   * @param initializer run once in each thread before its first task, or null
   * @param taskTimeout how long a task may run, or null
   * @param prefix the thread name prefix, or null for {@code ThreadPool-N-worker}
   */
  public ThreadPoolEngine(
      int size,
      @Nullable ProcessTarget initializer,
      @Nullable Duration taskTimeout,
      @Nullable String prefix) {
    this.size = size;
    this.taskTimeoutNanos = taskTimeout == null ? 0 : MapIterator.saturatedNanos(taskTimeout);
    this.poolName = "ThreadPool-" + POOLS.incrementAndGet();
    String p = prefix != null ? prefix : poolName + "-worker";
    lock.lock();
    try {
      live = size;
    } finally {
      lock.unlock();
    }
    for (int i = 1; i <= size; i++) {
      Thread t = new Thread(() -> workerLoop(initializer), p + "-" + i);
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public int workers() {
    return size;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends @Nullable Object> TaskFuture<T> submit(
      Callable<T> task, Object original, long timeoutNanos) {
    long timeout = timeoutNanos == 0 ? taskTimeoutNanos : Math.max(0, timeoutNanos);
    Job j = new Job(task, null, null, original, timeout);
    enqueue(j);
    return (TaskFuture<T>) (TaskFuture<?>) j.future;
  }

  @Override
  public ChunkRunner chunks(TaskFunction<Object, Object> fn) {
    lock.lock();
    try {
      if (state != State.RUNNING) {
        throw rejected();
      }
    } finally {
      lock.unlock();
    }
    return new ChunkRunner() {
      @Override
      @SuppressWarnings("unchecked")
      public CompletableFuture<ChunkOutcome> run(List<@Nullable Object> items) {
        Job j = new Job(null, fn, items, fn, taskTimeoutNanos);
        enqueue(j);
        return (CompletableFuture<ChunkOutcome>) (CompletableFuture<?>) j.future;
      }

      @Override
      public void close() {}
    };
  }

  private void enqueue(Job j) {
    j.future.onCancel(mayInterrupt -> onCancel(j, mayInterrupt));
    lock.lock();
    try {
      if (state != State.RUNNING) {
        throw rejected();
      }
      pending.addLast(j);
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  private RejectedExecutionException rejected() {
    BrokenPoolException b = broken;
    return b != null
        ? new RejectedExecutionException("the pool is broken: " + b.getMessage(), b)
        : new RejectedExecutionException(poolName + " is shut down; it accepts no new tasks");
  }

  private void onCancel(Job j, boolean mayInterrupt) {
    lock.lock();
    try {
      if (!pending.remove(j) && mayInterrupt && j.runner != null) {
        j.runner.interrupt();
      }
      checkTerminated();
    } finally {
      lock.unlock();
    }
  }

  private void workerLoop(@Nullable ProcessTarget initializer) {
    try {
      if (initializer != null) {
        try {
          initializer.run();
        } catch (Throwable t) {
          breakPool(
              new BrokenPoolException(
                  "the pool's initializer failed in thread "
                      + Thread.currentThread().getName()
                      + ": "
                      + t
                      + "; the pool is broken and runs no more tasks",
                  t));
          return;
        }
      }
      while (true) {
        Job j = take();
        if (j == null) {
          return;
        }
        runJob(j);
      }
    } finally {
      lock.lock();
      try {
        live--;
        checkTerminated();
      } finally {
        lock.unlock();
      }
    }
  }

  private @Nullable Job take() {
    lock.lock();
    try {
      while (true) {
        if (state == State.STOP || state == State.TERMINATED) {
          return null;
        }
        Job j = pending.pollFirst();
        if (j != null) {
          if (j.future.isDone()) {
            continue;
          }
          j.runner = Thread.currentThread();
          running.add(j);
          if (j.timeoutNanos > 0) {
            long total = j.timeoutNanos;
            if (j.items != null && j.items.size() > 1 && total < Long.MAX_VALUE / j.items.size()) {
              total *= j.items.size();
            }
            long t = total;
            j.timer = timer().schedule(() -> onTimeout(j, t), t, TimeUnit.NANOSECONDS);
          }
          return j;
        }
        if (state == State.SHUTDOWN) {
          return null;
        }
        work.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  private ScheduledThreadPoolExecutor timer() {
    // assert lock.isHeldByCurrentThread();
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      t =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread th = new Thread(r, "mp4j-" + poolName + "-timer");
                th.setDaemon(true);
                return th;
              });
      t.setRemoveOnCancelPolicy(true);
      timer = t;
    }
    return t;
  }

  private void onTimeout(Job j, long nanos) {
    lock.lock();
    try {
      if (j.runner == null || j.future.isDone()) {
        return;
      }
    } finally {
      lock.unlock();
    }
    j.future.completeExceptionally(
        new TimeoutException(
            "the task ran longer than its timeout of "
                + Duration.ofNanos(nanos)
                + "; its thread was interrupted (a thread cannot be stopped: an uninterruptible task"
                + " goes on running)"));
    lock.lock();
    try {
      if (j.runner != null) {
        j.runner.interrupt();
      }
    } finally {
      lock.unlock();
    }
  }

  private void runJob(Job j) {
    Object value = null;
    Throwable failure = null;
    ChunkOutcome outcome = null;
    try {
      if (j.call != null) {
        value = j.call.call();
      } else {
        outcome = runChunk(j);
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      lock.lock();
      try {
        j.runner = null;
        running.remove(j);
        ScheduledFuture<?> t = j.timer;
        if (t != null) {
          t.cancel(false);
        }
        Thread.interrupted(); // an interrupt meant for this job must not reach the next one
      } finally {
        lock.unlock();
      }
    }
    if (failure != null) {
      j.future.completeExceptionally(failure);
    } else if (outcome != null) {
      j.future.complete(outcome);
    } else {
      j.future.complete(value);
    }
  }

  private static ChunkOutcome runChunk(Job j) {
    TaskFunction<Object, Object> fn = java.util.Objects.requireNonNull(j.fn);
    List<@Nullable Object> items = java.util.Objects.requireNonNull(j.items);
    long start = System.nanoTime();
    List<@Nullable Object> results = new ArrayList<>(items.size());
    Throwable failure = null;
    for (Object item : items) {
      try {
        results.add(fn.apply(item));
      } catch (Throwable t) {
        failure = t;
        break;
      }
    }
    return new ChunkOutcome(results, failure, System.nanoTime() - start);
  }

  private void breakPool(BrokenPoolException e) {
    List<Job> fail;
    lock.lock();
    try {
      if (state == State.STOP || state == State.TERMINATED) {
        return;
      }
      broken = e;
      state = State.STOP;
      fail = new ArrayList<>(pending);
      pending.clear();
      fail.addAll(running);
      work.signalAll();
    } finally {
      lock.unlock();
    }
    for (Job j : fail) {
      j.future.completeExceptionally(e);
    }
    interruptRunning();
  }

  private void interruptRunning() {
    lock.lock();
    try {
      for (Job j : running) {
        if (j.runner != null) {
          j.runner.interrupt();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void checkTerminated() {
    // assert lock.isHeldByCurrentThread();
    if (state != State.RUNNING && state != State.TERMINATED && live == 0) {
      state = State.TERMINATED;
      terminated.signalAll();
      if (timer != null) {
        timer.shutdownNow();
      }
    }
  }

  @Override
  public void shutdown(boolean cancelPending) {
    List<Job> cancel = List.of();
    lock.lock();
    try {
      if (state == State.RUNNING) {
        state = State.SHUTDOWN;
      }
      if (cancelPending) {
        cancel = new ArrayList<>(pending);
        pending.clear();
      }
      work.signalAll();
      checkTerminated();
    } finally {
      lock.unlock();
    }
    for (Job j : cancel) {
      j.future.cancel(false);
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> never = new ArrayList<>();
    List<Job> cancel;
    lock.lock();
    try {
      if (state == State.TERMINATED) {
        return never;
      }
      state = State.STOP;
      cancel = new ArrayList<>(pending);
      for (Job j : pending) {
        if (j.call != null && !j.future.isDone()) {
          never.add(Calls.asRunnable(j.original));
        }
      }
      pending.clear();
      cancel.addAll(running);
      work.signalAll();
      checkTerminated();
    } finally {
      lock.unlock();
    }
    for (Job j : cancel) {
      j.future.cancel(false); // before the interrupt, so the task's reaction cannot complete it
    }
    interruptRunning();
    return never;
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    long nanos = timeoutNanos;
    lock.lock();
    try {
      while (state != State.TERMINATED) {
        if (nanos <= 0) {
          return false;
        }
        nanos = terminated.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isShutdown() {
    lock.lock();
    try {
      return state != State.RUNNING;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isTerminated() {
    lock.lock();
    try {
      return state == State.TERMINATED;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return poolName + "[" + state + ", " + size + " threads, " + pending.size() + " pending]";
    } finally {
      lock.unlock();
    }
  }
}
