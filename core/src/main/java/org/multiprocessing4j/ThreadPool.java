package org.multiprocessing4j;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.pool.ThreadPoolEngine;

/**
 * A pool of threads in this JVM with the same API as {@link ProcessPoolExecutor}, as Python's
 * {@code concurrent.futures.ThreadPoolExecutor} and {@code multiprocessing.pool.ThreadPool}: switch
 * between processes and threads by changing one line. See {@link PoolExecutor} for the methods.
 *
 * <pre>{@code
 * try (PoolExecutor pool = new ThreadPool(4)) {       // was: new ProcessPoolExecutor(4)
 *   List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3)).toList();
 * }
 * }</pre>
 *
 * <h2>Differences from the process pool</h2>
 *
 * <ul>
 *   <li>Nothing is serialized: tasks may capture anything, and a task's exception arrives as itself
 *       (not as a {@link RemoteProcessException}).
 *   <li>Threads share this JVM's memory and fate: a task that calls {@code System.exit} ends the
 *       program; an {@code OutOfMemoryError} is the task's failure.
 *   <li>{@code cancel(true)}, a task timeout and {@link #shutdownNow()} interrupt the thread
 *       running the task; a task that ignores interrupts goes on running (Java cannot stop a
 *       thread), though its future is completed at once.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * The pool's threads are daemon threads named {@code <prefix>-<n>}, started by the constructor; a
 * pool that is never shut down does not keep this JVM alive. Besides them, the pool starts a daemon
 * timer thread ({@code mp4j-ThreadPool-<n>-timer}) the first time a task has a timeout, and maps
 * with a {@link ProgressListener} are reported from the JVM's one progress thread ({@value
 * ProgressListener#THREAD_NAME}). All methods are thread-safe.
 */
public final class ThreadPool extends AbstractPoolExecutor {

  /** Creates a pool of {@link Multiprocessing#cpuCount()} threads. */
  public ThreadPool() {
    this(builder());
  }

  /**
   * Creates a pool of {@code workers} threads, as Python's {@code ThreadPoolExecutor(workers)}.
   *
   * @param workers the number of threads, at least 1
   * @throws IllegalArgumentException if {@code workers} is less than 1
   */
  public ThreadPool(int workers) {
    this(builder().workers(workers));
  }

  private ThreadPool(Builder b) {
    super(new ThreadPoolEngine(b.workers, b.initializer, b.taskTimeout, b.namePrefix));
  }

  /**
   * Returns a builder for a pool with more settings.
   *
   * @return a new builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link ThreadPool}. Not thread-safe. */
  public static final class Builder {
    private int workers = Multiprocessing.cpuCount();
    private @Nullable ProcessTarget initializer;
    private @Nullable Duration taskTimeout;
    private @Nullable String namePrefix;

    private Builder() {}

    /**
     * Sets the number of threads; {@link Multiprocessing#cpuCount()} by default.
     *
     * @param workers at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code workers} is less than 1
     */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("a pool needs at least 1 worker, got " + workers);
      }
      this.workers = workers;
      return this;
    }

    /**
     * Sets code that each thread runs once before its first task. If it throws, the pool breaks:
     * every unfinished task fails with a {@link BrokenPoolException} and new tasks are rejected.
     *
     * @param initializer the code
     * @return this builder
     */
    public Builder initializer(ProcessTarget initializer) {
      this.initializer = Objects.requireNonNull(initializer, "initializer");
      return this;
    }

    /**
     * Sets an initializer that takes an argument.
     *
     * @param initializer the code
     * @param arg its argument
     * @param <A> the argument's type
     * @return this builder
     */
    public <A> Builder initializer(ProcessTarget.Arg1<A> initializer, A arg) {
      Objects.requireNonNull(initializer, "initializer");
      this.initializer = () -> initializer.run(arg);
      return this;
    }

    /**
     * Sets how long a task may run: one that runs longer has its thread interrupted and its future
     * fails with a {@link java.util.concurrent.TimeoutException}. No limit by default.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Builder taskTimeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("a task timeout must be positive: " + timeout);
      }
      this.taskTimeout = timeout;
      return this;
    }

    /**
     * Sets the prefix of the threads' names; {@code ThreadPool-<n>-worker} by default.
     *
     * @param prefix a non-blank prefix
     * @return this builder
     * @throws IllegalArgumentException if the prefix is blank
     */
    public Builder namePrefix(String prefix) {
      if (prefix.isBlank()) {
        throw new IllegalArgumentException("the thread name prefix must not be blank");
      }
      this.namePrefix = prefix;
      return this;
    }

    /**
     * Creates the pool and starts its threads.
     *
     * @return the pool
     */
    public ThreadPool build() {
      return new ThreadPool(this);
    }
  }
}
