package org.multiprocessing4j;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.pool.PoolEngine;
import org.multiprocessing4j.internal.pool.PoolEngineFactory;
import org.multiprocessing4j.internal.pool.ProcessPoolEngine;

/**
 * A pool of worker JVMs that is a {@link java.util.concurrent.ExecutorService}, with Python's
 * {@code concurrent.futures.ProcessPoolExecutor} and {@code multiprocessing.Pool} API: see {@link
 * PoolExecutor} for the methods, and {@link ThreadPool} for the same on threads.
 *
 * <pre>{@code
 * try (ProcessPoolExecutor pool = new ProcessPoolExecutor(4)) {
 *   CompletableFuture<Long> pid = pool.submit(() -> ProcessHandle.current().pid());
 *   List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3)).toList();
 * }
 * }</pre>
 *
 * <h2>Why processes</h2>
 *
 * <ul>
 *   <li><b>Hard cancellation.</b> {@code future.cancel(true)} and a task timeout ({@link
 *       Builder#taskTimeout}, {@link #submit(TaskCallable, Duration)}) really stop a runaway task:
 *       the worker running it is killed ({@code SIGKILL}) and replaced.
 *   <li><b>Isolation.</b> A task that calls {@code System.exit}, runs out of heap or crashes the
 *       JVM takes down one worker, not this JVM. Only the task it was running fails, with a {@link
 *       WorkerDiedException} that says which worker died and how; the pool starts a replacement and
 *       goes on (Python's executor instead becomes unusable). {@link Builder#retries} runs such
 *       tasks again; {@link Builder#maxTasksPerChild} recycles workers; {@link Builder#options}
 *       caps their heap.
 *   <li><b>Code that is not thread-safe</b> runs in parallel copies, one per worker.
 * </ul>
 *
 * <h2>Workers</h2>
 *
 * The pool starts its workers at once, in the background: the constructor does not wait for them,
 * and tasks submitted meanwhile wait in the pool's queue. Each worker is a daemonic {@link
 * JvmProcess} of the pool's context, named {@code <prefix>-<n>}, that runs the initializer once and
 * then the tasks it is given, one at a time. Workers are daemonic, so a task cannot start processes
 * of its own, and they are ended when this JVM's program ends (or dies: no worker survives its
 * parent). A worker's output goes where {@link ProcessOptions} say: by default to this JVM's {@code
 * System.out} and {@code System.err}.
 *
 * <h2>Serialization</h2>
 *
 * Tasks, map functions, arguments and results travel between JVMs: with a compact encoding for
 * {@code null}, {@code Boolean}, {@code Integer}, {@code Long}, {@code Double}, {@code String} and
 * {@code byte[]}, and Java serialization for everything else. A task or argument that cannot be
 * serialized fails the call that submitted it with {@link UnserializableValueException}; a result
 * that cannot be serialized fails its future with one. A task's exception arrives as a {@link
 * RemoteProcessException} with the remote type, message and stack trace, the cause of the {@link
 * java.util.concurrent.ExecutionException} thrown by {@code get()}, so that the trace prints both
 * sides.
 *
 * <h2>When the pool breaks</h2>
 *
 * If the initializer throws, or a worker cannot be started (a bad JVM option), the pool fails every
 * unfinished task with {@link BrokenPoolException} and rejects new ones, instead of restarting
 * workers forever.
 *
 * <h2>Flight Recorder events</h2>
 *
 * The pool emits JDK Flight Recorder events, in the category {@code multiprocessing4j / Process
 * Pool}, for JDK Mission Control or {@code jfr print --categories multiprocessing4j}: {@code
 * org.multiprocessing4j.TaskSubmitted}, {@code TaskStarted} (a worker began it), {@code
 * TaskFinished} (with its run time in the worker and its time in the pool), {@code TaskFailed} (the
 * exception's class and message: thrown by the task, a timeout or a dead worker), {@code
 * WorkerStarted} (with its startup time) and {@code WorkerDied} (exit code, signal, and why the
 * pool killed it, if it did). Each names the pool, the task id and the worker's name and pid. They
 * are recorded when a recording is on ({@code -XX:StartFlightRecording}); otherwise they cost a
 * check.
 *
 * <h2>Threads</h2>
 *
 * All methods are thread-safe. The pool uses, per worker, a virtual thread that starts and watches
 * it and two daemon threads, one reading and one writing its socket, and, with a task timeout, one
 * daemon timer thread; none of them keeps this JVM alive. Future callbacks run in those threads and
 * must be quick: a callback that waits for another result of the same pool can block the thread
 * that would deliver it. Progress listeners of maps ({@link MapOptions#progress}) run in one shared
 * daemon thread, {@value ProgressListener#THREAD_NAME}, never in those.
 */
public final class ProcessPoolExecutor extends AbstractPoolExecutor {

  /**
   * Creates a pool of {@link Multiprocessing#cpuCount()} workers, as Python's {@code
   * ProcessPoolExecutor()}. Returns at once; the workers start in the background.
   *
   * @throws IllegalStateException if called in a worker of a process pool (or any daemonic
   *     process): daemonic processes are not allowed to have children
   */
  public ProcessPoolExecutor() {
    this(builder());
  }

  /**
   * Creates a pool of {@code workers} workers, as Python's {@code ProcessPoolExecutor(workers)}.
   * Returns at once; the workers start in the background.
   *
   * @param workers the number of worker processes, at least 1
   * @throws IllegalArgumentException if {@code workers} is less than 1
   * @throws IllegalStateException if called in a daemonic process, such as a pool worker
   */
  public ProcessPoolExecutor(int workers) {
    this(builder().workers(workers));
  }

  private ProcessPoolExecutor(Builder b) {
    super(b.engine());
  }

  /**
   * Returns a builder for a pool with more settings.
   *
   * @return a new builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link ProcessPoolExecutor}. Not thread-safe. */
  public static final class Builder {
    private int workers = Multiprocessing.cpuCount();
    private MultiprocessingContext context = Multiprocessing.local();
    private @Nullable ProcessOptions options;
    private @Nullable ProcessTarget initializer;
    private int maxTasksPerChild;
    private @Nullable Duration taskTimeout;
    private int retries;
    private @Nullable String namePrefix;
    private @Nullable String poolName;

    private Builder() {}

    /**
     * Sets the number of worker processes; {@link Multiprocessing#cpuCount()} by default. On a
     * distributed context (RabbitMQ) these are the workers this JVM runs for the pool, besides the
     * worker nodes on other hosts, and 0 makes a submit-only client, served by those nodes alone;
     * {@link #build()} rejects 0 on a local context.
     *
     * @param workers at least 1, or 0 for a submit-only client of a distributed pool
     * @return this builder
     * @throws IllegalArgumentException if {@code workers} is negative
     */
    public Builder workers(int workers) {
      if (workers < 0) {
        throw new IllegalArgumentException("a pool needs at least 1 worker, got " + workers);
      }
      this.workers = workers;
      return this;
    }

    /**
     * Sets the context the pool belongs to: its workers start with the context's {@link
     * MultiprocessingContext#defaults()} (unless {@link #options} says otherwise), and closing the
     * context shuts the pool down at once, as {@link #shutdownNow()}. {@link
     * Multiprocessing#local()} by default. {@link MultiprocessingContext#pool(int)} and {@link
     * MultiprocessingContext#poolBuilder()} set it.
     *
     * @param context the context
     * @return this builder
     */
    public Builder context(MultiprocessingContext context) {
      this.context = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Sets how worker JVMs are launched: JVM options such as a heap cap ({@code -Xmx256m}), system
     * properties, where their output goes. The context's defaults by default.
     *
     * @param options the launch options
     * @return this builder
     */
    public Builder options(ProcessOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Sets code that each worker runs once before its first task, as Python's {@code initializer}:
     * to open a connection, load a model, set up static state.
     *
     * <p>If it throws in any worker, the pool breaks: every unfinished task fails with a {@link
     * BrokenPoolException} whose cause is the initializer's exception, and new tasks are rejected.
     * Nothing hangs and no worker is restarted in a loop.
     *
     * @param initializer the code; serializable, checked when the pool is built
     * @return this builder
     */
    public Builder initializer(ProcessTarget initializer) {
      this.initializer = Objects.requireNonNull(initializer, "initializer");
      return this;
    }

    /**
     * Sets an initializer that takes an argument, as Python's {@code initializer=f, initargs=(a,)}.
     *
     * @param initializer the code; serializable
     * @param arg its argument; serializable
     * @param <A> the argument's type
     * @return this builder
     * @see #initializer(ProcessTarget)
     */
    public <A> Builder initializer(ProcessTarget.Arg1<A> initializer, A arg) {
      Objects.requireNonNull(initializer, "initializer");
      this.initializer = () -> initializer.run(arg);
      return this;
    }

    /**
     * Sets how many tasks a worker runs before it is replaced by a fresh one, as Python's {@code
     * maxtasksperchild}: a remedy for leaks. A chunk of a map counts as one task. 0, the default,
     * means no limit.
     *
     * @param tasks 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code tasks} is negative
     */
    public Builder maxTasksPerChild(int tasks) {
      if (tasks < 0) {
        throw new IllegalArgumentException(
            "maxTasksPerChild must be 0 (no limit) or more: " + tasks);
      }
      this.maxTasksPerChild = tasks;
      return this;
    }

    /**
     * Sets how long a task may run: one that runs longer is stopped by killing its worker (which is
     * replaced) and its future fails with a {@link java.util.concurrent.TimeoutException}. The time
     * counts from when the task starts. A chunk of a map of {@code n} items may run {@code n} times
     * as long. No limit by default; {@link #submit(TaskCallable, Duration)} sets one per task.
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
     * Sets how many times a task whose worker died while running it is run again, on another
     * worker, before its future fails with {@link WorkerDiedException}. 0, the default, runs it
     * once. Tasks that throw, time out or are cancelled are not retried.
     *
     * @param retries 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code retries} is negative
     */
    public Builder retries(int retries) {
      if (retries < 0) {
        throw new IllegalArgumentException("retries must be 0 or more: " + retries);
      }
      this.retries = retries;
      return this;
    }

    /**
     * Sets the prefix of the workers' names: workers are {@code <prefix>-1}, {@code <prefix>-2},
     * and so on (replacements get new numbers). {@code ProcessPool-<n>-worker} by default.
     *
     * @param prefix a non-blank prefix
     * @return this builder
     * @throws IllegalArgumentException if the prefix is blank
     */
    public Builder namePrefix(String prefix) {
      if (prefix.isBlank()) {
        throw new IllegalArgumentException("the worker name prefix must not be blank");
      }
      this.namePrefix = prefix;
      return this;
    }

    /**
     * Sets the name of a distributed pool: on a distributed context (RabbitMQ), every pool and
     * worker node with the same name (and namespace) shares one queue of tasks, so tasks submitted
     * here run on any of them; {@code "default"} by default. A local context ignores it, so that
     * the same code runs on either context.
     *
     * @param name 1 to 100 letters, digits, '.', '-' or '_'
     * @return this builder
     * @throws IllegalArgumentException if the name has other characters or is empty
     */
    public Builder poolName(String name) {
      this.poolName = PoolEngineFactory.checkPoolName(name);
      return this;
    }

    /**
     * Creates the pool and starts its workers in the background. Returns at once.
     *
     * @return the pool
     * @throws UnserializableValueException if the initializer cannot be serialized
     * @throws IllegalStateException if called in a daemonic process, such as a pool worker
     * @throws IllegalArgumentException if {@link #workers} is 0 and the context is local (a local
     *     pool needs at least 1 worker)
     */
    public ProcessPoolExecutor build() {
      ProcessPoolExecutor pool = new ProcessPoolExecutor(this);
      Multiprocessing.own(context, pool);
      return pool;
    }

    private PoolEngine engine() {
      JvmProcess self = JvmProcess.current();
      if (workers > 0 && self.isDaemon()) {
        throw new IllegalStateException(
            "daemonic processes are not allowed to have children: "
                + self.name()
                + " is daemonic (a pool worker is), so it cannot start a process pool. Create the"
                + " pool in the parent, or use a ThreadPool here.");
      }
      if (context instanceof PoolEngineFactory distributed) {
        return distributed.poolEngine(
            new PoolEngineFactory.Spec(
                workers,
                poolName,
                options,
                initializer,
                maxTasksPerChild,
                taskTimeout,
                retries,
                namePrefix));
      }
      if (workers == 0) {
        throw new IllegalArgumentException(
            "a pool needs at least 1 worker, got 0: only a distributed context (RabbitMQ) has"
                + " submit-only pools, served by worker nodes elsewhere");
      }
      ProcessOptions o = options != null ? options : context.defaults();
      return new ProcessPoolEngine(
          workers, context, o, initializer, maxTasksPerChild, taskTimeout, retries, namePrefix);
    }
  }
}
