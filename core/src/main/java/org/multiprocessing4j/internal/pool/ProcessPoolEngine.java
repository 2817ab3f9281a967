package org.multiprocessing4j.internal.pool;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.BrokenPoolException;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.RemoteProcessException;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.UnserializableValueException;
import org.multiprocessing4j.WorkerDiedException;
import org.multiprocessing4j.internal.codec.JavaSerialization;

/** The engine of {@code ProcessPoolExecutor}: worker JVMs, dispatch, results, deaths. */
public final class ProcessPoolEngine implements PoolEngine {
  /*
   * Design
   *
   * Workers are daemonic JvmProcesses whose target is WorkerMain. Each connects back to the pool's
   * UNIX-domain socket (PoolSocket) and proves itself with a random token. One shared queue of
   * pending jobs (a job is a task, or a chunk of a map) feeds the workers: dispatch() gives a job to
   * the ready worker holding the fewest, up to depth() jobs each, so that a worker has its next job
   * at hand when it finishes one (depth grows when tasks are short, to hide the round trip).
   *
   *   user threads           pool lock              per worker (platform threads)        worker JVM
   *   submit ──encode──▶ pending ──dispatch──▶ inFlight + outbox ──writer──▶ socket ──▶ reader ─▶ queue
   *                                                                                        main: run
   *   future ◀──complete── onResult ◀────────── reader ◀──────────────── socket ◀──── RESULT ◀─┘
   *                                             watcher: join() ──▶ onWorkerExit
   *
   * A worker runs its jobs one at a time in arrival order and writes each result before it starts
   * the next. So the parent knows, for each worker, which job is running: the head of its inFlight
   * deque. Everything after the head has not started. That gives:
   *   - cancel(true) of a head job: kill the worker; of a later job: CANCEL frame, the worker skips
   *     it (or, if it just started it, answers RUNNING and the parent kills it).
   *   - a per-task timeout: a timer armed when the job becomes head; on expiry the worker is killed.
   *   - a worker death: the head job failed with WorkerDiedException (or is retried); the later
   *     ones go back to the front of the pending queue, unharmed.
   *
   * Pool states (guarded by lock):
   *
   *   RUNNING ──shutdown()──▶ SHUTDOWN ──(no pending, no workers)──▶ TERMINATED
   *      │                       │                                      ▲
   *      └──shutdownNow()/broken─┴──▶ STOP ──(no workers)───────────────┘
   *
   * Worker states (guarded by lock):
   *
   *   STARTING ──READY frame──▶ READY ──maxTasksPerChild reached──▶ RETIRING ──inFlight empty──▶ STOPPING
   *      │                        │                                                             │
   *      └────────────────────────┴──kill (cancel, timeout, shutdownNow, broken)──▶ DYING        │
   *   every state ──process ended (watcher)──▶ removed; replaced by ensureWorkers() if needed ◀──┘
   *
   * Only STARTING and READY workers count as serving; ensureWorkers() keeps that count at the pool
   * size while there is work, starting replacements as soon as one stops serving.
   *
   * Concurrency
   *
   * One ReentrantLock guards the pool state, the pending queue, the worker list and each worker's
   * state and inFlight deque. Futures are completed, and processes killed or started, after the
   * lock is released when they may run user code (callbacks); see unlockAndRun(). Lock order: this
   * lock, then a JvmProcess's monitor (kill); never the other way.
   *
   * Threads: per worker a launcher/watcher (virtual; starts the JVM, then joins it), a reader and
   * a writer (platform daemons: a virtual thread blocked on a socket is woken through the poller
   * thread, one more hand-off per frame batch on the round trip); per pool an acceptor (virtual)
   * and a timer (platform daemon, only with a task timeout). The reader dispatches new jobs once
   * per batch of frames that one read brought (Wire.Reader.hasFrame), so that a batch of results
   * is refilled with one wake-up of the writer and one write.
   *
   * Failure
   *
   * A worker that ends before it is ready (its initializer threw, its JVM could not start) breaks
   * the pool (BrokenPoolException) rather than being restarted forever, Python's trap.
   */

  private static final AtomicInteger POOLS = new AtomicInteger();

  /** How long a worker asked to stop may take before it is killed. */
  private static final long STOP_GRACE_MILLIS = 5_000;

  /** The work a worker should have queued, in run time, to hide the round trip. */
  private static final long DEPTH_TARGET_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** The most jobs a worker holds at once. */
  private static final int MAX_DEPTH = 64;

  private enum State {
    RUNNING,
    SHUTDOWN,
    STOP,
    TERMINATED
  }

  private enum WState {
    STARTING,
    READY,
    RETIRING,
    STOPPING,
    DYING
  }

  /** A map's function, serialized once and sent to each worker once. */
  private static final class Fn {
    private final long id;
    private final byte[] bytes;

    Fn(long id, byte[] bytes) {
      this.id = id;
      this.bytes = bytes;
    }

    long id() {
      return id;
    }

    byte[] bytes() {
      return bytes;
    }
  }

  private record CancelMsg(long id, boolean mayInterrupt) {}

  private record ForgetMsg(long fnId) {}

  private static final Object CLOSE = new Object();

  /** A task or a chunk of a map, from submission to completion. */
  private static final class Job {
    final long id;
    final byte kind;
    final byte[] payload;
    final @Nullable Fn fn;
    final int items;
    final TaskFuture<@Nullable Object> future = new TaskFuture<>();
    final Object original;
    final ClassLoader loader;
    final long timeoutNanos; // <= 0: none
    final long submittedNanos = System.nanoTime();

    // Guarded by lock.
    @Nullable Worker worker;
    int attempts;
    long startedNanos;
    @Nullable ScheduledFuture<?> timer;

    /**
     * Its outcome is decided: a completion of {@link #future} is queued in {@code deferred}, which
     * runs only after the lock is released. A thread that takes the lock in between (the reader of
     * a worker killed by a timeout) must not decide again.
     */
    boolean settled;

    /** Call only when holding lock. Whether an outcome was decided or the future is done. */
    boolean settled() {
      return settled || future.isDone();
    }

    Job(
        long id,
        byte kind,
        byte[] payload,
        @Nullable Fn fn,
        int items,
        Object original,
        ClassLoader loader,
        long timeoutNanos) {
      this.id = id;
      this.kind = kind;
      this.payload = payload;
      this.fn = fn;
      this.items = items;
      this.original = original;
      this.loader = loader;
      this.timeoutNanos = timeoutNanos;
    }

    String describe() {
      return kind == Wire.KIND_CALL
          ? "task " + id
          : "a chunk of " + items + " map item" + (items == 1 ? "" : "s") + " (task " + id + ")";
    }
  }

  /** The parent's side of one worker process. */
  private final class Worker {
    final String name;
    final byte[] token = new byte[16];
    final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    final CompletableFuture<Void> readerDone = new CompletableFuture<>();
    volatile @Nullable JvmProcess process;
    volatile long pid;
    volatile long launchNanos;
    volatile long helloPid; // the pid the worker said in HELLO, known before start() returns

    /** The worker's pid for events and messages: 0 only before it connected. */
    long eventPid() {
      long p = pid;
      return p != 0 ? p : helloPid;
    }

    // Guarded by lock.
    WState state = WState.STARTING;
    boolean wasReady;
    final ArrayDeque<Job> inFlight = new ArrayDeque<>();
    int dispatched;
    @Nullable String killedFor;
    @Nullable SocketChannel channel;

    Worker(int number) {
      this.name = prefix + "-" + number;
      RANDOM.nextBytes(token);
    }

    @Override
    public String toString() {
      return name + " (pid " + (pid == 0 ? "not started" : Long.toString(pid)) + ")";
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final int size;
  private final MultiprocessingContext context;
  private final ProcessOptions options;
  private final byte @Nullable [] initializer;
  private final int maxTasksPerChild;
  private final long taskTimeoutNanos;
  private final int retries;
  private final String prefix;
  private final String poolName;
  private final PoolSocket socket;
  private final AtomicLong jobIds = new AtomicLong();
  private final AtomicLong fnIds = new AtomicLong();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition terminated = lock.newCondition();
  private State state = State.RUNNING; // guarded by lock
  private @Nullable BrokenPoolException broken; // guarded by lock
  private final ArrayDeque<Job> pending = new ArrayDeque<>(); // guarded by lock
  private final List<Worker> workers = new ArrayList<>(); // guarded by lock
  private final List<Runnable> deferred = new ArrayList<>(); // guarded by lock
  private int nextWorker = 1; // guarded by lock
  private long avgRunNanos = DEPTH_TARGET_NANOS; // guarded by lock
  private @Nullable ScheduledThreadPoolExecutor timer; // guarded by lock

  /**
   * Starts a pool: binds its socket and launches its workers in the background.
   *
   * @param size the number of workers
   * @param context the context whose processes the workers are
   * @param options how worker JVMs are launched
   * @param initializer run once in each worker before its first task, or null
   * @param maxTasksPerChild tasks (or chunks) a worker runs before it is replaced; 0 for no limit
   * @param taskTimeout how long a task may run, or null for no limit
   * @param retries how many times a task whose worker died is run again
   * @param prefix the worker name prefix; workers are {@code prefix-1}, {@code prefix-2}, ...
   * @throws UnserializableValueException if the initializer cannot be serialized
   * @throws UncheckedIOException if the socket cannot be created
   */
  public ProcessPoolEngine(
      int size,
      MultiprocessingContext context,
      ProcessOptions options,
      @Nullable ProcessTarget initializer,
      int maxTasksPerChild,
      @Nullable Duration taskTimeout,
      int retries,
      @Nullable String prefix) {
    this.size = size;
    this.context = context;
    this.options = options;
    this.initializer =
        initializer == null
            ? null
            : JavaSerialization.serialize(initializer, "the pool's initializer");
    this.maxTasksPerChild = maxTasksPerChild;
    this.taskTimeoutNanos = taskTimeout == null ? 0 : MapIterator.saturatedNanos(taskTimeout);
    this.retries = retries;
    int number = POOLS.incrementAndGet();
    this.poolName = "ProcessPool-" + number;
    this.prefix = prefix != null ? prefix : poolName + "-worker";
    try {
      this.socket = PoolSocket.open("pool" + number, this::onConnect);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the pool's socket: " + e.getMessage(), e);
    }
    lock.lock();
    try {
      ensureWorkers();
    } finally {
      unlockAndRun();
    }
  }

  @Override
  public int workers() {
    return size;
  }

  // -------------------------------------------------------------------------------- submission

  @Override
  @SuppressWarnings("unchecked")
  public <T extends @Nullable Object> TaskFuture<T> submit(
      Callable<T> task, Object original, long timeoutNanos) {
    if (!(original instanceof Serializable) || !(task instanceof Serializable)) {
      String c = original.getClass().getName();
      throw new UnserializableValueException(
          "the task "
              + c
              + " cannot be sent to a worker process: it is not Serializable. A lambda or method"
              + " reference is serializable only when its target type is: submit it as a"
              + " TaskCallable or TaskRunnable (pool.submit(() -> ...) picks those), or make the"
              + " task's class implement Serializable.",
          c,
          new NotSerializableException(c));
    }
    byte[] payload = TaskCodec.encode(task, "the task " + original.getClass().getName());
    long timeout = timeoutNanos == 0 ? taskTimeoutNanos : Math.max(0, timeoutNanos);
    Job j =
        new Job(
            jobIds.incrementAndGet(),
            Wire.KIND_CALL,
            payload,
            null,
            1,
            original,
            loaderOf(original),
            timeout);
    enqueue(j);
    return (TaskFuture<T>) (TaskFuture<?>) j.future;
  }

  private static ClassLoader loaderOf(Object o) {
    ClassLoader l = o.getClass().getClassLoader();
    return l != null ? l : ClassLoader.getSystemClassLoader();
  }

  @Override
  public ChunkRunner chunks(TaskFunction<Object, Object> fn) {
    Fn f = new Fn(fnIds.incrementAndGet(), JavaSerialization.serialize(fn, "the map function"));
    ClassLoader loader = loaderOf(fn);
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
        ByteSink s = new ByteSink(16 + items.size() * 5); // packed Integers need 4 bytes each
        ValueCodec.writeList(s, items, "an item of the map");
        Job j =
            new Job(
                jobIds.incrementAndGet(),
                Wire.KIND_CHUNK,
                s.toByteArray(),
                f,
                items.size(),
                fn,
                loader,
                taskTimeoutNanos);
        enqueue(j);
        return (CompletableFuture<ChunkOutcome>) (CompletableFuture<?>) j.future;
      }

      @Override
      public void close() {
        forget(f);
      }
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
      dispatch();
    } finally {
      unlockAndRun();
    }
    PoolEvents.TaskSubmitted e = new PoolEvents.TaskSubmitted();
    if (e.isEnabled()) {
      e.pool = poolName;
      e.taskId = j.id;
      e.items = j.items;
      e.payloadBytes = j.payload.length;
      e.commit();
    }
  }

  private RejectedExecutionException rejected() {
    // assert lock.isHeldByCurrentThread();
    BrokenPoolException b = broken;
    return b != null
        ? new RejectedExecutionException("the pool is broken: " + b.getMessage(), b)
        : new RejectedExecutionException(poolName + " is shut down; it accepts no new tasks");
  }

  private void forget(Fn f) {
    lock.lock();
    try {
      for (Worker w : workers) {
        if (w.channel != null) {
          w.outbox.add(new ForgetMsg(f.id()));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------- dispatch

  /** Call only when holding lock. Gives pending jobs to ready workers with room. */
  private void dispatch() {
    // assert lock.isHeldByCurrentThread();
    if (state == State.STOP || state == State.TERMINATED) {
      return;
    }
    int depth = depth();
    while (!pending.isEmpty()) {
      Worker best = null;
      for (Worker w : workers) {
        if (w.state == WState.READY
            && w.inFlight.size() < depth
            && (best == null || w.inFlight.size() < best.inFlight.size())) {
          best = w;
        }
      }
      if (best == null) {
        return;
      }
      Job j = pending.pollFirst();
      if (j == null || j.settled()) {
        continue;
      }
      j.worker = best;
      best.inFlight.addLast(j);
      best.dispatched++;
      best.outbox.add(j);
      if (best.inFlight.size() == 1) {
        started(best, j);
      }
      if (maxTasksPerChild > 0 && best.dispatched >= maxTasksPerChild) {
        best.state = WState.RETIRING; // takes no more; stops when its jobs are done
        ensureWorkers();
      }
    }
  }

  /** Call only when holding lock. How many jobs a worker may hold. */
  private int depth() {
    // assert lock.isHeldByCurrentThread();
    long d = DEPTH_TARGET_NANOS / Math.max(1, avgRunNanos);
    return (int) Math.min(MAX_DEPTH, Math.max(1, d)) + 1;
  }

  /** Call only when holding lock. A job became its worker's head: it runs now. */
  private void started(Worker w, Job j) {
    // assert lock.isHeldByCurrentThread();
    j.startedNanos = System.nanoTime();
    startClock(w, j);
    PoolEvents.TaskStarted e = new PoolEvents.TaskStarted();
    if (e.isEnabled()) {
      e.pool = poolName;
      e.taskId = j.id;
      e.worker = w.name;
      e.workerPid = w.eventPid();
      e.attempt = j.attempts + 1;
      e.commit();
    }
  }

  private void taskFailed(
      Worker w, Job j, String failure, @Nullable String message, long runNanos) {
    PoolEvents.TaskFailed e = new PoolEvents.TaskFailed();
    if (e.isEnabled()) {
      e.pool = poolName;
      e.taskId = j.id;
      e.worker = w.name;
      e.workerPid = w.eventPid();
      e.failure = failure;
      e.message = message == null ? "" : message;
      e.runTime = runNanos;
      e.commit();
    }
  }

  private void taskFinished(Worker w, Job j, long runNanos) {
    PoolEvents.TaskFinished e = new PoolEvents.TaskFinished();
    if (e.isEnabled()) {
      e.pool = poolName;
      e.taskId = j.id;
      e.worker = w.name;
      e.workerPid = w.eventPid();
      e.items = j.items;
      e.runTime = runNanos;
      e.poolTime = System.nanoTime() - j.submittedNanos;
      e.commit();
    }
  }

  /** Call only when holding lock. Arms the timeout of a job that just became its worker's head. */
  private void startClock(Worker w, Job j) {
    // assert lock.isHeldByCurrentThread();
    if (j.timeoutNanos <= 0) {
      return;
    }
    long total =
        j.items > 1 && j.timeoutNanos < Long.MAX_VALUE / j.items
            ? j.timeoutNanos * j.items
            : j.timeoutNanos;
    ScheduledThreadPoolExecutor t = timer;
    if (t == null) {
      t = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "mp4j-" + poolName + "-timer"));
      t.setRemoveOnCancelPolicy(true);
      timer = t;
    }
    j.timer = t.schedule(() -> onTimeout(w, j, total), total, TimeUnit.NANOSECONDS);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void stopClock(Job j) {
    ScheduledFuture<?> t = j.timer;
    if (t != null) {
      t.cancel(false);
      j.timer = null;
    }
  }

  // ------------------------------------------------------------------------------------ workers

  /** Call only when holding lock. Starts workers until enough are serving, if there is work. */
  private void ensureWorkers() {
    // assert lock.isHeldByCurrentThread();
    if (state == State.STOP || state == State.TERMINATED) {
      return;
    }
    if (state == State.SHUTDOWN && pending.isEmpty()) {
      return;
    }
    int serving = 0;
    for (Worker w : workers) {
      if (w.state == WState.STARTING || w.state == WState.READY) {
        serving++;
      }
    }
    for (; serving < size; serving++) {
      Worker w = new Worker(nextWorker++);
      workers.add(w);
      Thread.ofVirtual().name("mp4j-" + w.name + "-watch").start(() -> launchAndWatch(w));
    }
  }

  /** Launches a worker's JVM, then waits for it to end and handles its end. */
  private void launchAndWatch(Worker w) {
    JvmProcess p;
    try {
      p = context.process(new WorkerMain(socket.path(), w.token, initializer));
      p.setOptions(options);
      p.setName(w.name);
      p.setDaemon(true);
      w.process = p;
      lock.lock();
      try {
        if (w.state == WState.DYING || w.state == WState.STOPPING) {
          workers.remove(w);
          checkTerminated();
          return;
        }
      } finally {
        unlockAndRun();
      }
      w.launchNanos = System.nanoTime();
      p.start();
      w.pid = p.pid();
    } catch (RuntimeException e) {
      onStartFailed(w, e);
      return;
    }
    lock.lock();
    try {
      if (w.state == WState.DYING) {
        p.kill(); // killed while it was starting
      }
    } finally {
      unlockAndRun();
    }
    boolean interrupted = false;
    while (true) {
      try {
        p.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      w.readerDone.get(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (ExecutionException | TimeoutException e) {
      // A reader that never started (no connection) or hangs: go on.
    }
    onWorkerExit(w, p);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void onStartFailed(Worker w, RuntimeException e) {
    lock.lock();
    try {
      workers.remove(w);
      if (w.killedFor == null && (state == State.RUNNING || state == State.SHUTDOWN)) {
        breakPool(
            new BrokenPoolException(
                "cannot start worker "
                    + w.name
                    + ": "
                    + e.getMessage()
                    + "; the pool is broken and runs no more tasks",
                e));
      }
      checkTerminated();
    } finally {
      unlockAndRun();
    }
  }

  /** A worker connected: check its token, then read its frames on this thread. */
  private void onConnect(SocketChannel ch) {
    Wire.Reader r = new Wire.Reader(ch);
    Worker w = null;
    try {
      ByteSource hello = r.next();
      if (r.type() != Wire.HELLO) {
        throw new IOException("expected HELLO, got frame type " + r.type());
      }
      byte[] token = hello.getBlock();
      long helloPid = hello.getLong();
      lock.lock();
      try {
        for (Worker c : workers) {
          if (MessageDigest.isEqual(c.token, token)
              && c.channel == null
              && c.state == WState.STARTING) {
            w = c;
            c.channel = ch;
            c.helloPid = helloPid;
            break;
          }
        }
      } finally {
        lock.unlock();
      }
    } catch (IOException | RuntimeException e) {
      // Not one of ours, or it died at once: drop the connection.
    }
    if (w == null) {
      closeQuietly(ch);
      return;
    }
    Worker worker = w;
    Thread.ofPlatform()
        .daemon()
        .name("mp4j-" + w.name + "-writer")
        .start(() -> writeLoop(worker, ch));
    try {
      readLoop(worker, r);
    } finally {
      worker.readerDone.complete(null);
      closeQuietly(ch);
      JvmProcess p = worker.process;
      try {
        if (p != null && !p.join(Duration.ofMillis(STOP_GRACE_MILLIS))) {
          p.kill(); // closed its socket but lives on (a stuck exit): it is no worker any more
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IllegalStateException e) {
        // Not started (cannot happen once connected) or closed already: nothing to kill.
      }
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  private void readLoop(Worker w, Wire.Reader r) {
    try {
      while (true) {
        ByteSource b = r.next();
        switch (r.type()) {
          case Wire.READY -> onReady(w);
          case Wire.INIT_FAILED -> onInitFailed(w, ValueCodec.readThrowable(b));
          case Wire.RESULT -> onResult(w, b, !r.hasFrame());
          case Wire.RUNNING -> onRunningCancelled(w, b.getLong());
          default -> {
            // Unknown frame from a newer worker: ignore it.
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // End of stream: the worker exited (the watcher handles it) or sent garbage.
    }
  }

  private void writeLoop(Worker w, SocketChannel ch) {
    ByteSink sink = new ByteSink(64 * 1024);
    Set<Long> knownFns = new HashSet<>();
    List<Object> batch = new ArrayList<>();
    try {
      while (true) {
        batch.add(w.outbox.take());
        w.outbox.drainTo(batch, 1023);
        for (Object m : batch) {
          if (m == CLOSE) {
            Wire.flush(sink, ch);
            ch.shutdownOutput();
            return;
          }
          switch (m) {
            case Job j -> writeTask(sink, j, knownFns);
            case CancelMsg c -> {
              int at = Wire.begin(sink, Wire.CANCEL);
              sink.putLong(c.id());
              sink.putBoolean(c.mayInterrupt());
              Wire.end(sink, at);
            }
            case ForgetMsg f -> {
              if (knownFns.remove(f.fnId())) {
                int at = Wire.begin(sink, Wire.FORGET);
                sink.putLong(f.fnId());
                Wire.end(sink, at);
              }
            }
            default -> throw new IllegalStateException("unknown message " + m);
          }
          if (sink.size() >= 256 * 1024) {
            Wire.flush(sink, ch);
          }
        }
        batch.clear();
        Wire.flush(sink, ch);
      }
    } catch (IOException e) {
      // The worker is gone; its watcher handles it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void writeTask(ByteSink sink, Job j, Set<Long> knownFns) {
    int at = Wire.begin(sink, Wire.TASK);
    sink.putLong(j.id);
    sink.putByte(j.kind);
    sink.putBoolean(j.future.isCancelled());
    Fn fn = j.fn;
    if (fn == null) {
      sink.putBlock(j.payload);
    } else {
      sink.putLong(fn.id());
      boolean send = knownFns.add(fn.id());
      sink.putBoolean(send);
      if (send) {
        sink.putBlock(fn.bytes());
      }
      sink.putBytes(j.payload);
    }
    Wire.end(sink, at);
  }

  private void onReady(Worker w) {
    lock.lock();
    try {
      if (w.state == WState.STARTING) {
        w.state = WState.READY;
        w.wasReady = true;
        PoolEvents.WorkerStarted e = new PoolEvents.WorkerStarted();
        if (e.isEnabled()) {
          e.pool = poolName;
          e.worker = w.name;
          e.workerPid = w.eventPid();
          e.startup = System.nanoTime() - w.launchNanos;
          e.commit();
        }
      }
      dispatch();
      stopIdleWorkers();
    } finally {
      unlockAndRun();
    }
  }

  private void onInitFailed(Worker w, org.multiprocessing4j.internal.codec.ThrowableInfo info) {
    RemoteProcessException remote = Remote.exception(info);
    lock.lock();
    try {
      breakPool(
          new BrokenPoolException(
              "the pool's initializer failed in worker "
                  + w
                  + ": "
                  + remote.getMessage()
                  + "; the pool is broken and runs no more tasks. Fix the initializer (its stack"
                  + " trace is the cause).",
              remote));
    } finally {
      unlockAndRun();
    }
  }

  // ------------------------------------------------------------------------------------ results

  /**
   * Completes the job a worker sent the result of. Dispatching more jobs, which wakes the writer,
   * is left to the last result of a batch ({@code last}: no further frame is buffered), so that one
   * read of many results refills the worker with one write.
   */
  private void onResult(Worker w, ByteSource b, boolean last) throws IOException {
    long id = b.getLong();
    byte status = b.getByte();
    long runNanos = b.getLong();
    Job head;
    lock.lock();
    try {
      head = w.inFlight.peekFirst();
    } finally {
      lock.unlock();
    }
    if (head == null || head.id != id) {
      throw new IOException(
          w
              + " sent the result of task "
              + id
              + ", but "
              + (head == null ? "none" : head.id)
              + " was expected"); // ends the reader; the worker is killed below
    }
    Runnable complete = decode(w, head, status, runNanos, b);
    lock.lock();
    try {
      w.inFlight.pollFirst();
      head.worker = null;
      stopClock(head);
      avgRunNanos += (runNanos - avgRunNanos) / 8;
      Job next = w.inFlight.peekFirst();
      if (next != null) {
        started(w, next);
      }
      settle(head, complete);
      if (w.state == WState.RETIRING && w.inFlight.isEmpty()) {
        stopWorker(w);
      }
      if (last || w.inFlight.isEmpty()) {
        dispatch();
        stopIdleWorkers();
      }
    } finally {
      unlockAndRun();
    }
  }

  /** Decodes a result (outside the lock) into the action that completes the job's future. */
  private Runnable decode(Worker w, Job j, byte status, long runNanos, ByteSource b) {
    TaskFuture<@Nullable Object> f = j.future;
    try {
      switch (status) {
        case Wire.OK -> {
          taskFinished(w, j, runNanos);
          if (j.kind == Wire.KIND_CALL) {
            Object v = ValueCodec.read(b, j.loader);
            return () -> f.complete(v);
          }
          ChunkOutcome o = new ChunkOutcome(ValueCodec.readList(b, j.loader), null, runNanos);
          return () -> f.complete(o);
        }
        case Wire.FAILED -> {
          if (j.kind == Wire.KIND_CALL) {
            RemoteProcessException e = Remote.exception(ValueCodec.readThrowable(b));
            taskFailed(w, j, e.remoteClassName(), e.remoteMessage(), runNanos);
            return () -> f.completeExceptionally(e);
          }
          List<@Nullable Object> partial = ValueCodec.readList(b, j.loader);
          RemoteProcessException e = Remote.exception(ValueCodec.readThrowable(b));
          taskFailed(w, j, e.remoteClassName(), e.remoteMessage(), runNanos);
          ChunkOutcome o = new ChunkOutcome(partial, e, runNanos);
          return () -> f.complete(o);
        }
        case Wire.UNSERIALIZABLE -> {
          String message = b.getString();
          String offending = b.getString();
          RemoteProcessException cause = Remote.exception(ValueCodec.readThrowable(b));
          UnserializableValueException e =
              new UnserializableValueException(message, offending, cause);
          taskFailed(w, j, e.getClass().getName(), e.getMessage(), runNanos);
          return () -> f.completeExceptionally(e);
        }
        case Wire.SKIPPED -> {
          return () -> f.completeExceptionally(new CancellationException(j.describe()));
        }
        default -> throw new IOException("unknown result status " + status);
      }
    } catch (IOException e) {
      UncheckedIOException u =
          new UncheckedIOException(
              "the result of " + j.describe() + " could not be read in this JVM: " + e.getMessage(),
              e);
      return () -> f.completeExceptionally(u);
    }
  }

  // ------------------------------------------------------------------------------ cancellation

  private void onCancel(Job j, boolean mayInterrupt) {
    lock.lock();
    try {
      if (state == State.STOP || state == State.TERMINATED) {
        return;
      }
      Worker w = j.worker;
      if (w == null) {
        pending.remove(j);
        stopIdleWorkers();
        checkTerminated();
      } else if (w.inFlight.peekFirst() == j) {
        if (mayInterrupt) {
          killWorker(w, "cancel(true) of " + j.describe());
        }
      } else {
        w.outbox.add(new CancelMsg(j.id, mayInterrupt));
      }
    } finally {
      unlockAndRun();
    }
  }

  private void onRunningCancelled(Worker w, long id) {
    lock.lock();
    try {
      Job head = w.inFlight.peekFirst();
      if (head != null && head.id == id && head.future.isCancelled()) {
        killWorker(w, "cancel(true) of " + head.describe());
      }
    } finally {
      unlockAndRun();
    }
  }

  private void onTimeout(Worker w, Job j, long nanos) {
    lock.lock();
    try {
      if (j.worker != w || w.inFlight.peekFirst() != j || j.settled()) {
        return;
      }
      TimeoutException e =
          new TimeoutException(
              j.describe()
                  + " ran longer than its timeout of "
                  + Duration.ofNanos(nanos)
                  + " in worker "
                  + w
                  + "; the worker was killed and replaced");
      settle(j, () -> j.future.completeExceptionally(e));
      taskFailed(w, j, e.getClass().getName(), e.getMessage(), System.nanoTime() - j.startedNanos);
      killWorker(w, "timeout of " + j.describe());
    } finally {
      unlockAndRun();
    }
  }

  /**
   * Call only when holding lock. Decides a job's outcome: {@code completion} runs once the lock is
   * released, and {@link Job#settled()} is true from now on.
   */
  private void settle(Job j, Runnable completion) {
    j.settled = true;
    deferred.add(completion);
  }

  /** Call only when holding lock. Kills a worker; its jobs are handled when it has ended. */
  private void killWorker(Worker w, String why) {
    // assert lock.isHeldByCurrentThread();
    if (w.state == WState.DYING) {
      return;
    }
    w.state = WState.DYING;
    w.killedFor = why;
    JvmProcess p = w.process;
    if (p != null && w.pid != 0) { // pid is set once start() returned; before, kill() would block
      try {
        p.kill();
      } catch (IllegalStateException e) {
        // Closed: it has ended already.
      }
    } // else launchAndWatch kills it once start() returns
    ensureWorkers();
  }

  /** Call only when holding lock. Asks an idle worker to exit. */
  private void stopWorker(Worker w) {
    // assert lock.isHeldByCurrentThread();
    if (w.channel == null) {
      killWorker(w, "shutdown");
      return;
    }
    w.state = WState.STOPPING;
    w.outbox.add(CLOSE);
  }

  /** Call only when holding lock. In shutdown, stops workers that have nothing left to do. */
  private void stopIdleWorkers() {
    // assert lock.isHeldByCurrentThread();
    if (state != State.SHUTDOWN || !pending.isEmpty()) {
      return;
    }
    for (Worker w : new ArrayList<>(workers)) {
      if ((w.state == WState.READY || w.state == WState.RETIRING) && w.inFlight.isEmpty()) {
        stopWorker(w);
      } else if (w.state == WState.STARTING) {
        killWorker(w, "shutdown");
      }
    }
  }

  // ------------------------------------------------------------------------------- worker death

  private void onWorkerExit(Worker w, JvmProcess p) {
    OptionalInt code = p.exitCode();
    Optional<RemoteProcessException> failure = p.failure();
    try {
      p.close();
    } catch (IllegalStateException e) {
      // Still running cannot be: join() returned.
    }
    w.outbox.add(CLOSE); // ends the writer
    lock.lock();
    try {
      workers.remove(w);
      boolean expected =
          w.killedFor != null
              || w.state == WState.STOPPING
              || state == State.STOP
              || state == State.TERMINATED;
      if (!w.wasReady && !expected) {
        breakPool(
            new BrokenPoolException(
                "worker "
                    + w
                    + " "
                    + how(code, failure)
                    + " before it was ready; the pool is broken and runs no more tasks",
                failure.orElse(null)));
      }
      Job head = w.inFlight.pollFirst();
      if (w.state != WState.STOPPING || code.orElse(-1) != 0) {
        workerDied(w, code, head);
      }
      List<Job> requeue = new ArrayList<>();
      if (head != null) {
        head.worker = null;
        stopClock(head);
        if (!head.settled()) {
          if (head.attempts < retries && state != State.STOP) {
            head.attempts++;
            requeue.add(head);
          } else {
            WorkerDiedException e = died(w, head, code, failure);
            taskFailed(
                w,
                head,
                e.getClass().getName(),
                e.getMessage(),
                System.nanoTime() - head.startedNanos);
            settle(head, () -> head.future.completeExceptionally(e));
          }
        }
      }
      for (Job j : w.inFlight) {
        j.worker = null;
        stopClock(j);
        if (!j.settled()) {
          requeue.add(j);
        }
      }
      w.inFlight.clear();
      if (state == State.STOP) {
        for (Job j : requeue) {
          settle(j, () -> j.future.cancel(false));
        }
      } else {
        for (int i = requeue.size() - 1; i >= 0; i--) {
          pending.addFirst(requeue.get(i));
        }
      }
      ensureWorkers();
      dispatch();
      stopIdleWorkers();
      checkTerminated();
    } finally {
      unlockAndRun();
    }
  }

  private void workerDied(Worker w, OptionalInt code, @Nullable Job head) {
    PoolEvents.WorkerDied e = new PoolEvents.WorkerDied();
    if (e.isEnabled()) {
      e.pool = poolName;
      e.worker = w.name;
      e.workerPid = w.eventPid();
      e.exitCode = code.orElse(Integer.MIN_VALUE);
      e.signal = code.isPresent() && code.getAsInt() < 0 ? -code.getAsInt() : 0;
      String why = w.killedFor;
      e.killedFor = why == null ? "" : why;
      e.taskId = head == null ? 0 : head.id;
      e.commit();
    }
  }

  private WorkerDiedException died(
      Worker w, Job j, OptionalInt code, Optional<RemoteProcessException> failure) {
    String tries = j.attempts > 0 ? " (it was tried " + (j.attempts + 1) + " times)" : "";
    return new WorkerDiedException(
        "worker "
            + w
            + " died while running "
            + j.describe()
            + tries
            + ": it "
            + how(code, failure)
            + ". The pool started a replacement.",
        w.name,
        w.pid,
        code.orElse(Integer.MIN_VALUE),
        failure.orElse(null));
  }

  static String how(OptionalInt code, Optional<RemoteProcessException> failure) {
    if (code.isEmpty()) {
      return "ended, exit code unknown";
    }
    int c = code.getAsInt();
    if (c < 0) {
      int sig = -c;
      String name =
          switch (sig) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 ->
                "SIGABRT: the JVM aborted, usually after a crash in native code (see its"
                    + " hs_err_pid file)";
            case 7 -> "SIGBUS";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> "signal " + sig;
          };
      return "was killed by signal " + sig + " (" + name + ")";
    }
    if (failure.isPresent()) {
      return "exited with status " + c + " after an uncaught " + failure.get().getMessage();
    }
    return "exited with status " + c + (c == 0 ? "" : " (System.exit(" + c + ") in the task?)");
  }

  // ---------------------------------------------------------------------------------- lifecycle

  /** Call only when holding lock. Fails everything and stops the pool. */
  private void breakPool(BrokenPoolException e) {
    // assert lock.isHeldByCurrentThread();
    if (state == State.STOP || state == State.TERMINATED) {
      return;
    }
    broken = e;
    state = State.STOP;
    List<Job> fail = new ArrayList<>(pending);
    pending.clear();
    for (Worker w : workers) {
      fail.addAll(w.inFlight);
    }
    for (Worker w : new ArrayList<>(workers)) {
      killWorker(w, "the pool broke");
    }
    for (Job j : fail) {
      settle(j, () -> j.future.completeExceptionally(e));
    }
  }

  /** Call only when holding lock. Moves to TERMINATED when nothing is left. */
  private void checkTerminated() {
    // assert lock.isHeldByCurrentThread();
    if ((state == State.SHUTDOWN || state == State.STOP)
        && workers.isEmpty()
        && (state == State.STOP || pending.isEmpty())) {
      state = State.TERMINATED;
      terminated.signalAll();
      ScheduledThreadPoolExecutor t = timer;
      deferred.add(
          () -> {
            socket.close();
            if (t != null) {
              t.shutdownNow();
            }
          });
    }
  }

  @Override
  public void shutdown(boolean cancelPending) {
    lock.lock();
    try {
      if (state == State.RUNNING) {
        state = State.SHUTDOWN;
      }
      if (cancelPending) {
        List<Job> cancel = new ArrayList<>(pending);
        pending.clear();
        for (Worker w : workers) {
          boolean first = true;
          for (Job j : w.inFlight) {
            if (!first) {
              cancel.add(j); // queued in the worker, not started
            }
            first = false;
          }
        }
        for (Job j : cancel) {
          settle(j, () -> j.future.cancel(false));
        }
      }
      stopIdleWorkers();
      checkTerminated();
    } finally {
      unlockAndRun();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> never = new ArrayList<>();
    lock.lock();
    try {
      if (state == State.TERMINATED) {
        return never;
      }
      state = State.STOP;
      List<Job> cancel = new ArrayList<>(pending);
      for (Job j : pending) {
        if (j.kind == Wire.KIND_CALL && !j.settled()) {
          never.add(Calls.asRunnable(j.original));
        }
      }
      pending.clear();
      for (Worker w : new ArrayList<>(workers)) {
        cancel.addAll(w.inFlight);
        killWorker(w, "shutdownNow()");
      }
      for (Job j : cancel) {
        settle(j, () -> j.future.cancel(false));
      }
      checkTerminated();
    } finally {
      unlockAndRun();
    }
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

  /** Releases the lock, then runs what was deferred while holding it (future completions). */
  private void unlockAndRun() {
    // assert lock.isHeldByCurrentThread();
    List<Runnable> run;
    if (deferred.isEmpty()) {
      run = List.of();
    } else {
      run = new ArrayList<>(deferred);
      deferred.clear();
    }
    lock.unlock();
    for (Runnable r : run) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // A user callback threw from a future completion: not the pool's business.
      }
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return poolName
          + "["
          + state
          + ", "
          + workers.size()
          + " workers, "
          + pending.size()
          + " pending]";
    } finally {
      lock.unlock();
    }
  }
}
