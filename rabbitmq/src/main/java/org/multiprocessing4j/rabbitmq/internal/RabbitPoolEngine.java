package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.UndecodableValueException;
import org.multiprocessing4j.UnserializableValueException;
import org.multiprocessing4j.WorkerDiedException;
import org.multiprocessing4j.internal.pool.Calls;
import org.multiprocessing4j.internal.pool.ChunkOutcome;
import org.multiprocessing4j.internal.pool.ChunkRunner;
import org.multiprocessing4j.internal.pool.PoolEngine;
import org.multiprocessing4j.internal.pool.PoolEngineFactory;
import org.multiprocessing4j.internal.pool.TaskFuture;

/**
 * The submitting side of a distributed pool: tasks go to the pool's task queue, results come back
 * on this client's reply queue, and each future completes once.
 *
 * <pre>
 *  submit ──seal TASK──▶ &lt;ns&gt;.pool.&lt;name&gt;.tasks (durable) ──▶ any node
 *  onResult ◀── &lt;ns&gt;.pool.&lt;name&gt;.reply.&lt;uuid&gt; ◀──seal RESULT── node
 *  cancel ──seal CANCEL──▶ &lt;ns&gt;.pool.&lt;name&gt;.cancel (fanout) ──▶ every node
 * </pre>
 *
 * <p>Exactly-once completion: {@code pending} maps a task id to its future; a result removes the
 * entry before completing it, so a second result for the same task (it ran twice, because a node
 * died after running it but before acknowledging it) finds nothing and is dropped. Execution is
 * at-least-once: a task may run again on another node after its node died.
 *
 * <p>The reply queue is named, not exclusive, and expires ({@code x-expires}) {@link
 * #REPLY_QUEUE_EXPIRY} after its last consumer left: the queue of a submitter that is gone
 * disappears, and a node answering into a vanished queue only logs it (it does not fail). Results
 * are consumed with auto-ack: a submitter whose reply channel closes fails every pending future at
 * once (the pool does not reconnect), so nothing would read a result left in the queue.
 *
 * <p>Lifecycle: RUNNING -> SHUTDOWN (no new tasks; pending ones go on) -> TERMINATED (no pending
 * task; the reply queue deleted, the embedded node stopped). {@code shutdownNow} cancels every
 * pending task first.
 */
final class RabbitPoolEngine implements PoolEngine {

  private static final System.Logger LOG = System.getLogger("org.multiprocessing4j.rabbitmq");
  static final Duration REPLY_QUEUE_EXPIRY = Duration.ofMinutes(10);
  private static final Duration EMBEDDED_NODE_GRACE = Duration.ofSeconds(5);

  private final RabbitContextImpl ctx;
  private final String poolName;
  private final String taskQueue;
  private final String cancelExchange;
  private final String replyQueue;
  private final int localWorkers;
  private final long defaultTimeoutNanos;
  private final int retries;
  private final @Nullable PoolNode embedded;
  private final Channel replyChannel;
  private final Codec failureCodec; // the context's allow-list, and the timeout a node reports
  private final AtomicLong ids = new AtomicLong();
  private final String clientId = UUID.randomUUID().toString();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean terminating = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean shutdown;

  /** A task not answered yet. */
  private static final class Pending {
    final TaskFuture<Object> future;
    final Object original;
    final byte[] sealed; // the TASK message as first sealed; sealed afresh for each retry
    final boolean chunk;
    int retriesLeft; // touched by the reply consumer thread only

    Pending(TaskFuture<Object> future, Object original, byte[] sealed, boolean chunk, int tries) {
      this.future = future;
      this.original = original;
      this.sealed = sealed;
      this.chunk = chunk;
      this.retriesLeft = tries;
    }
  }

  static String taskQueue(RabbitContextImpl ctx, String pool) {
    return ctx.settings.namespace() + ".pool." + pool + ".tasks";
  }

  static String cancelExchange(RabbitContextImpl ctx, String pool) {
    return ctx.settings.namespace() + ".pool." + pool + ".cancel";
  }

  /**
   * Declares what submitters and nodes of a pool share: the task queue, the cancel exchange. A task
   * queue that exists already is used as it is, so that a node and a submitter whose contexts
   * differ in queue type (a quorum-queue context and a classic one) do not refuse each other's
   * declaration.
   */
  static void declareShared(RabbitContextImpl ctx, Channel ch, String pool) throws IOException {
    String q = taskQueue(ctx, pool);
    if (!exists(ctx, q)) {
      ch.queueDeclare(q, true, false, false, ctx.queueArguments(0));
    }
    ch.exchangeDeclare(cancelExchange(ctx, pool), BuiltinExchangeType.FANOUT, false);
  }

  /** Returns whether a queue exists (asked on a channel of its own: a miss closes the channel). */
  private static boolean exists(RabbitContextImpl ctx, String queue) {
    Channel probe = ctx.openChannel();
    try {
      probe.queueDeclarePassive(queue);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } finally {
      try {
        if (probe.isOpen()) {
          probe.close();
        }
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing a probe channel: " + e);
      }
    }
  }

  RabbitPoolEngine(RabbitContextImpl ctx, String poolName, PoolEngineFactory.Spec spec) {
    this.ctx = ctx;
    this.poolName = poolName;
    this.taskQueue = taskQueue(ctx, poolName);
    this.cancelExchange = cancelExchange(ctx, poolName);
    this.replyQueue =
        ctx.settings.namespace() + ".pool." + poolName + ".reply." + UUID.randomUUID();
    this.localWorkers = spec.workers();
    Duration t = spec.taskTimeout();
    this.defaultTimeoutNanos = t == null ? -1 : t.toNanos();
    this.retries = spec.retries();
    List<String> allowed = new ArrayList<>(ctx.settings.allowed());
    allowed.add("java.util.concurrent.TimeoutException");
    this.failureCodec = new Codec(allowed);
    try {
      this.replyChannel = ctx.openChannel();
      declareShared(ctx, replyChannel, poolName);
      Map<String, Object> args = new HashMap<>();
      args.put("x-expires", (int) REPLY_QUEUE_EXPIRY.toMillis());
      replyChannel.queueDeclare(replyQueue, false, false, false, args);
      // Auto-ack: a result is handled once it arrives, and nothing else could take it. If this
      // channel closes, the pool fails every pending future (nothing reconnects), so a result
      // left unacknowledged in the queue would be read by no one; acknowledging each one cost a
      // frame from here and the broker's bookkeeping per task. The raw client does the same.
      replyChannel.basicConsume(replyQueue, true, (tag, d) -> onResult(d), tag -> {});
      replyChannel.addShutdownListener(cause -> lostReplies(cause.getMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up pool " + poolName + ": " + e, e);
    }
    try {
      this.embedded = localWorkers > 0 ? new PoolNode(ctx, poolName, spec) : null;
    } catch (RuntimeException e) {
      terminating.set(true); // the reply channel's end below is not a lost connection
      try {
        replyChannel.queueDelete(replyQueue);
        replyChannel.close();
      } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * The reply channel closed while the pool was running (the connection was lost; nothing
   * reconnects): no result can come any more, so the pool stops taking tasks and every pending
   * future fails, instead of waiting forever.
   */
  private void lostReplies(@Nullable String why) {
    if (terminating.get()) {
      return; // closed by the pool itself
    }
    shutdown = true;
    UncheckedIOException lost =
        new UncheckedIOException(
            "pool "
                + poolName
                + " lost its broker connection before this task's result came ("
                + why
                + "); the task may still have run on a node",
            new IOException(why));
    for (Map.Entry<String, Pending> e : List.copyOf(pending.entrySet())) {
      complete(e.getKey(), e.getValue(), null, lost);
    }
    checkTerminated();
  }

  @Override
  public int workers() {
    return localWorkers;
  }

  /** Remote nodes add workers the submitter cannot count: keep enough chunks in flight. */
  @Override
  public int parallelism() {
    return Math.max(localWorkers, 4);
  }

  // ---------------------------------------------------------------------------------- submit

  @Override
  @SuppressWarnings("unchecked")
  public <T extends @Nullable Object> TaskFuture<T> submit(
      Callable<T> task, Object original, long timeoutNanos) {
    long timeout = timeoutNanos == 0 ? defaultTimeoutNanos : timeoutNanos;
    return (TaskFuture<T>) send(task, original, timeout, false);
  }

  private TaskFuture<Object> send(Object task, Object original, long timeoutNanos, boolean chunk) {
    if (shutdown) {
      throw new RejectedExecutionException(
          "pool " + poolName + " is shut down and accepts no new tasks: " + original);
    }
    byte[] form = LambdaForm.encode(task); // a lambda of simple values: no object stream
    if (form == null) {
      Codec.Encoded e = ctx.codec.encode(task);
      if (e.tag() != Codec.SERIALIZED) {
        throw new UnserializableValueException(
            "a pool task must be a serializable callable: " + original,
            task.getClass().getName(),
            new IllegalArgumentException());
      }
      form = e.bytes();
    }
    String id = clientId + ":" + ids.incrementAndGet();
    PoolMessages.Task message = new PoolMessages.Task(id, replyQueue, timeoutNanos, form);
    byte[] sealed =
        ctx.envelope.seal(
            taskQueue,
            PoolMessages.TASK,
            PoolMessages.length(message),
            b -> PoolMessages.put(b, message));
    TaskFuture<Object> f = new TaskFuture<>(true); // completed through complete() below
    Pending p = new Pending(f, original, sealed, chunk, retries);
    f.onCancel(interrupt -> cancelled(id, interrupt));
    pending.put(id, p);
    if (terminating.get()) { // shut down and terminated between the check above and the put
      pending.remove(id);
      throw new RejectedExecutionException(
          "pool " + poolName + " is shut down and accepts no new tasks: " + original);
    }
    try {
      ctx.publisher.publish(taskQueue, sealed, ctx.settings.persistent());
    } catch (RuntimeException ex) {
      pending.remove(id);
      throw ex;
    }
    return f;
  }

  /** Publishes a task again (its worker died): a fresh timestamp and nonce, the same id. */
  private void republishTask(Pending p) {
    byte[] body = ctx.envelope.reseal(taskQueue, p.sealed);
    ctx.publisher.publish(taskQueue, body, ctx.settings.persistent());
  }

  @Override
  public ChunkRunner chunks(TaskFunction<Object, Object> fn) {
    if (shutdown) {
      throw new RejectedExecutionException("pool " + poolName + " is shut down");
    }
    Codec.Encoded check = ctx.codec.encode(fn); // fails here, not per chunk, if not serializable
    if (check.tag() != Codec.SERIALIZED) {
      throw new UnserializableValueException(
          "a map function must be serializable: " + fn,
          fn.getClass().getName(),
          new IllegalArgumentException());
    }
    return new ChunkRunner() {
      @Override
      @SuppressWarnings("unchecked")
      public CompletableFuture<ChunkOutcome> run(List<@Nullable Object> items) {
        long timeout =
            defaultTimeoutNanos < 0
                ? -1
                : saturatedMultiply(defaultTimeoutNanos, Math.max(1, items.size()));
        Object f = send(new RemoteTask.Chunk(fn, new ArrayList<>(items)), fn, timeout, true);
        return (CompletableFuture<ChunkOutcome>) f;
      }

      @Override
      public void close() {}
    };
  }

  private static long saturatedMultiply(long a, long b) {
    long r = a * b;
    return r / b != a ? Long.MAX_VALUE : r;
  }

  private void cancelled(String id, boolean interrupt) {
    if (pending.remove(id) == null) {
      return;
    }
    // In the cancelling thread: a publish without a confirm is a socket write, and doing it here
    // means the broker has the cancellation before cancel() returns (before the context may close).
    sendCancel(id, interrupt);
    checkTerminated();
  }

  private void sendCancel(String id, boolean interrupt) {
    try {
      byte[] body =
          ctx.envelope.seal(
              cancelExchange,
              PoolMessages.CANCEL,
              PoolMessages.write(new PoolMessages.Cancel(id, interrupt)));
      ctx.admin(
          ch -> {
            ch.basicPublish(cancelExchange, "", null, body);
            return Boolean.TRUE;
          });
    } catch (RuntimeException e) {
      LOG.log(
          ctx.isClosed() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
          "cannot send the cancellation of task " + id + ": " + e);
    }
  }

  // --------------------------------------------------------------------------------- results

  private void onResult(Delivery d) {
    try {
      Envelope.Opened m = ctx.envelope.open(replyQueue, d.getBody());
      if (m.tag() != PoolMessages.RESULT) {
        throw new Envelope.Rejected("not a result (codec tag " + m.tag() + ")");
      }
      ctx.envelope.accept(m); // the reply queue is auto-ack: nothing here is ever given back
      PoolMessages.Result r = PoolMessages.readResult(m.payloadBuffer());
      Pending p = pending.get(r.id());
      if (p != null) {
        handle(r, p);
      } // else: answered before (a task that ran twice), or cancelled
    } catch (Envelope.Rejected | PoolMessages.Malformed e) {
      ctx.rejected(replyQueue, e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "handling a pool result: " + e);
    }
  }

  private void handle(PoolMessages.Result r, Pending p) {
    Object value;
    try {
      value = (r.failed() ? failureCodec : ctx.codec).decode(r.tag(), r.bytes(), ctx, loader());
    } catch (UndecodableValueException e) {
      complete(r.id(), p, null, e);
      return;
    }
    if (!r.failed()) {
      if (p.chunk && value instanceof RemoteTask.ChunkResult c) {
        value = new ChunkOutcome(c.results(), c.failure(), c.runNanos());
      }
      complete(r.id(), p, value, null);
      return;
    }
    Throwable t =
        value instanceof Throwable th
            ? th
            : new IllegalStateException("a pool node sent a failure that is not a throwable");
    if (t instanceof WorkerDiedException && p.retriesLeft > 0 && !shutdownNowCalled) {
      p.retriesLeft--;
      try {
        republishTask(p); // same id: the dedupe still holds
        return;
      } catch (RuntimeException e) {
        t.addSuppressed(e);
      }
    }
    complete(r.id(), p, null, t);
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : RabbitPoolEngine.class.getClassLoader();
  }

  private void complete(String id, Pending p, @Nullable Object value, @Nullable Throwable failure) {
    if (!pending.remove(id, p)) {
      return;
    }
    // User callbacks must not run on (and block) the client library's consumer thread, nor on a
    // thread that a later result needs: a callback may wait for another result of this pool
    // (callbackOfOneResult_waitsForAnotherResultOfTheSamePool_noDeadlock). So a thread blocked in
    // this future's get() or join() completes it itself: it was to be woken anyway, so this costs
    // no wake-up of its own (a thread of its own cost one more per call, 21 to 47 µs of CPU in a
    // probe on a loaded 2-core machine; docs/benchmarks.md, round 6). If none waits, a completion
    // runner completes it (see below).
    if (p.future.handOff(value, failure, this::checkTerminated)) {
      return;
    }
    outcomes.offer(new Outcome(p.future, value, failure));
    if (free.get() == 0) {
      startRunner();
    }
  }

  private void startRunner() {
    free.incrementAndGet();
    Thread.ofVirtual().name("mp4j-pool-complete").start(this::completeOutcomes);
  }

  /** A result no thread waited for, to be completed by a completion runner. */
  private record Outcome(
      TaskFuture<Object> future, @Nullable Object value, @Nullable Throwable failure) {}

  /*
   * Completion runners
   *
   * A result that no thread waits for goes to outcomes; a runner (a virtual thread) completes
   * those it finds, several per wake-up when they arrive together, and ends when it finds none.
   * free counts the runners that will look at the queue again before they end: a runner is not
   * free while it completes a future (user callbacks run then, and one may block, waiting for
   * another result of this pool), so a result that arrives then starts a runner of its own, and no
   * result waits behind a blocked callback. A runner that found the queue empty stops being free,
   * then looks once more; the reply consumer offers a result, then reads free (both sequentially
   * consistent): either the runner sees the result or the consumer sees no free runner and starts
   * one.
   */
  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger free = new AtomicInteger();

  private void completeOutcomes() {
    while (true) {
      Outcome o = outcomes.poll();
      if (o == null) {
        free.decrementAndGet();
        if (outcomes.isEmpty()) {
          return;
        }
        free.incrementAndGet(); // offered meanwhile, maybe seeing this runner as free
        continue;
      }
      free.decrementAndGet(); // user callbacks may block: a result arriving now needs a runner
      boolean normal = false;
      try {
        Throwable failure = o.failure();
        if (failure != null) {
          o.future().completeExceptionally(failure);
        } else {
          o.future().complete(o.value());
        }
        checkTerminated();
        normal = true;
      } catch (RuntimeException e) { // not a dependent's (its failure stays in its future)
        LOG.log(System.Logger.Level.WARNING, "completing a pool result: " + e);
        normal = true;
      } finally {
        if (normal) {
          free.incrementAndGet();
        } else if (!outcomes.isEmpty() && free.get() == 0) {
          startRunner(); // this runner ends with an Error: another takes the queue
        }
      }
    }
  }

  // ------------------------------------------------------------------------------- lifecycle

  private volatile boolean shutdownNowCalled;

  @Override
  public void shutdown(boolean cancelPending) {
    shutdown = true;
    if (cancelPending) {
      for (Pending p : List.copyOf(pending.values())) {
        p.future.cancel(false);
      }
    }
    checkTerminated();
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    shutdownNowCalled = true;
    List<Runnable> notAnswered = new ArrayList<>();
    for (Pending p : List.copyOf(pending.values())) {
      if (p.future.cancel(true)) {
        notAnswered.add(Calls.asRunnable(p.original));
      }
    }
    PoolNode node = embedded;
    if (node != null) {
      node.close();
    }
    checkTerminated();
    return notAnswered;
  }

  private void checkTerminated() {
    if (!shutdown || !pending.isEmpty() || !terminating.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("mp4j-pool-terminate")
        .start(
            () -> {
              try {
                PoolNode node = embedded;
                if (node != null) {
                  node.stop(shutdownNowCalled ? Duration.ZERO : EMBEDDED_NODE_GRACE);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                try {
                  if (replyChannel.isOpen()) {
                    replyChannel.queueDelete(replyQueue);
                    replyChannel.close();
                  }
                } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
                  LOG.log(System.Logger.Level.DEBUG, "closing the reply queue: " + e);
                }
                ctx.forget(this);
                terminated.countDown();
              }
            });
  }

  @Override
  public boolean awaitTermination(long timeoutNanos) throws InterruptedException {
    return terminated.await(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  @Override
  public String toString() {
    return "RabbitPool["
        + poolName
        + ", "
        + localWorkers
        + " local workers, "
        + pending.size()
        + " pending"
        + (isTerminated() ? ", terminated" : shutdown ? ", shut down" : "")
        + "]";
  }
}
