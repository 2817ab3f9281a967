package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.CancelCallback;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.Delivery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.TaskCallable;
import org.multiprocessing4j.internal.pool.PoolEngineFactory;
import org.multiprocessing4j.rabbitmq.WorkerNode;

/**
 * A worker node: consumes a pool's task queue and runs the tasks in a local process pool.
 *
 * <pre>
 *  broker: <ns>.pool.<name>.tasks ──deliver (prefetch = processes + 1)──▶ onTask
 *     onTask: open + check the envelope ─ rejected ──▶ ack (drop), log, count
 *             genuine but older than the maximum age ──▶ not run; a TimeoutException answered
 *             to its submitter, then ack
 *             parse; cancelled before? ──▶ ack (drop)
 *             local.submit(RemoteTask.task(settings, bytes)) ──▶ worker process decodes, runs it
 *     finish (the thread completing the task): publish RESULT to the task's reply queue without
 *             waiting; answered (on the broker's confirm): ack the task; a reply queue that no
 *             longer exists is logged and the task acked
 *  broker: <ns>.pool.<name>.cancel (fanout) ──▶ own exclusive queue ──▶ onCancel: cancel(true)
 *             the local future (its worker is killed) and remember the id (a later copy is dropped)
 * </pre>
 *
 * <p>Lifecycle: SERVING -> DRAINING (stop: consumer cancelled, tasks in progress finish within the
 * grace) -> STOPPED (the local pool shut down at once, the channels closed: tasks not answered go
 * back to the broker, unacknowledged). After DRAINING ends, no result is published any more: a task
 * the local pool fails because of the shutdown must be run elsewhere, not reported.
 *
 * <p>Concurrency: deliveries arrive on the client library's consumer thread; a task's answer is
 * published by the thread that completes its local future (the local pool's reader, or the thread
 * that cancelled it), and the task acknowledged by the connection's thread when the broker confirms
 * the answer (an ack is a frame written without waiting, which that thread may do). {@code
 * taskChannel} is used for acks from several threads, under its own lock.
 */
final class PoolNode implements WorkerNode {

  private static final System.Logger LOG = System.getLogger("org.multiprocessing4j.rabbitmq");
  private static final int REMEMBERED_CANCELS = 100_000;

  private final RabbitContextImpl ctx;
  private final String poolName;
  private final String taskQueue;
  private final String cancelExchange;
  private final int processes;
  private final ProcessPoolExecutor local;
  private final byte[] settingsForm; // what each task carries to the worker processes
  private final Channel taskChannel; // guarded by itself for acks
  private final ReplayGuard.Holder holder; // the accepted tasks not yet acked, for the replay check
  private final Channel cancelChannel;
  private final String consumerTag;
  private final Map<String, CompletableFuture<byte[]>> running = new ConcurrentHashMap<>();

  /** Ids of cancelled tasks, oldest first. Guarded by itself. */
  private final LinkedHashMap<String, Boolean> cancelled = new LinkedHashMap<>();

  private final AtomicLong completed = new AtomicLong();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean draining;
  private volatile boolean silenced;

  PoolNode(RabbitContextImpl ctx, String poolName, PoolEngineFactory.Spec spec) {
    this.ctx = ctx;
    this.poolName = poolName;
    this.processes = spec.workers();
    this.taskQueue = RabbitPoolEngine.taskQueue(ctx, poolName);
    this.settingsForm = RemoteTask.settingsForm(ctx.settings);
    this.cancelExchange = RabbitPoolEngine.cancelExchange(ctx, poolName);
    ProcessPoolExecutor.Builder b =
        ProcessPoolExecutor.builder()
            .context(ctx.localProcesses())
            .workers(processes)
            .maxTasksPerChild(spec.maxTasksPerChild())
            .namePrefix(
                spec.namePrefix() != null
                    ? spec.namePrefix()
                    : "mp4j-node-" + poolName + "-worker");
    if (spec.options() != null) {
      b.options(spec.options());
    }
    if (spec.initializer() != null) {
      b.initializer(spec.initializer());
    }
    this.local = b.build();
    try {
      this.taskChannel = ctx.openChannel();
      RabbitPoolEngine.declareShared(ctx, taskChannel, poolName);
      taskChannel.basicQos(prefetch(processes));
      this.holder = ctx.envelope.holder(taskChannel);
      this.cancelChannel = ctx.openChannel();
      cancelChannel.exchangeDeclare(cancelExchange, BuiltinExchangeType.FANOUT, false);
      String mine = cancelChannel.queueDeclare("", false, true, true, null).getQueue();
      cancelChannel.queueBind(mine, cancelExchange, "");
      cancelChannel.basicConsume(mine, true, this::onCancel, tag -> {});
      DeliverCallback onTask = (tag, d) -> onTask(d);
      CancelCallback gone = tag -> LOG.log(System.Logger.Level.WARNING, "task queue deleted");
      this.consumerTag = taskChannel.basicConsume(taskQueue, false, onTask, gone);
      taskChannel.addShutdownListener(
          cause -> {
            if (!draining) {
              // the connection was lost, or the broker closed the channel (a consumer_timeout):
              // its unacknowledged tasks went back; a node that no longer takes tasks stops
              LOG.log(
                  System.Logger.Level.ERROR,
                  "worker node of pool "
                      + poolName
                      + " lost its broker channel, stopping: "
                      + cause.getMessage());
              Thread.ofVirtual().name("mp4j-node-stop").start(this::close);
            }
          });
    } catch (IOException | RuntimeException e) {
      local.shutdownNow();
      throw e instanceof RuntimeException r
          ? r
          : new UncheckedIOException(
              "cannot start a worker node of pool " + poolName + ": " + e, (IOException) e);
    }
  }

  /**
   * Returns how many unacknowledged tasks a node of this many processes takes from the broker: one
   * more than its processes. A task is acknowledged only once the broker confirms its answer, so
   * with one task per process a process would sit idle for that confirm and for the next task's
   * delivery; the extra task waits in the local pool and starts as soon as a process is free. A
   * node that dies returns it to the broker with the others. The price: that task may wait behind a
   * long one while another node is idle, and a cancel reaches it in the node, not in the broker.
   * CPython's ProcessPoolExecutor makes the same trade: its call queue holds one call more than it
   * has processes ({@code EXTRA_QUEUED_CALLS} in {@code Lib/concurrent/futures/process.py}).
   */
  static int prefetch(int processes) {
    return processes + 1;
  }

  @SuppressWarnings("FutureReturnValueIgnored") // finish() handles every outcome of the task
  private void onTask(Delivery d) {
    long deliveryTag = d.getEnvelope().getDeliveryTag();
    PoolMessages.Task task;
    try {
      Envelope.Opened m = ctx.envelope.open(taskQueue, d.getBody());
      if (m.tag() != PoolMessages.TASK) {
        throw new Envelope.Rejected("not a task (codec tag " + m.tag() + ")");
      }
      ctx.envelope.accept(m, holder, deliveryTag, d.getEnvelope().isRedeliver());
      task = PoolMessages.readTask(m.payloadBuffer());
    } catch (Envelope.Expired e) {
      ctx.rejected(taskQueue, e.getMessage());
      expired(e, deliveryTag);
      return;
    } catch (Envelope.Rejected | PoolMessages.Malformed e) {
      ctx.rejected(taskQueue, e.getMessage());
      ack(deliveryTag);
      return;
    }
    if (draining || isCancelled(task.id())) {
      if (draining) {
        nack(deliveryTag); // arrived while stopping: back to the broker for another node
      } else {
        ack(deliveryTag);
      }
      return;
    }
    TaskCallable<byte[]> remote = RemoteTask.task(settingsForm, task.callable());
    CompletableFuture<byte[]> f;
    try {
      f =
          task.timeoutNanos() > 0
              ? local.submit(remote, Duration.ofNanos(task.timeoutNanos()))
              : local.submit(remote);
    } catch (RuntimeException e) { // the local pool is shutting down or broken
      nack(deliveryTag);
      return;
    }
    running.put(task.id(), f);
    if (isCancelled(task.id())) {
      f.cancel(true); // the cancellation arrived between the check above and the put
    }
    // Answered in the thread that completes the task (the local pool's reader, or a canceller):
    // the answer is published without waiting, and the task acknowledged when the broker
    // confirms it; a hand-off to another thread here cost a wake-up on every task.
    f.whenComplete((v, e) -> finish(task, deliveryTag, f, v, e));
  }

  /**
   * A genuine task (its signature checks) that waited in the broker longer than the maximum message
   * age: not run, since an old message may be a replay, but its submitter, if it still waits, is
   * told so instead of waiting for ever (no node would ever run it). The task is acknowledged
   * either way; the answer to a replayed copy finds no one waiting for it and is dropped.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the publish's outcome is handled in its callback
  private void expired(Envelope.Expired e, long deliveryTag) {
    PoolMessages.Task task;
    try {
      if (e.opened().tag() != PoolMessages.TASK) {
        ack(deliveryTag);
        return;
      }
      task = PoolMessages.readTask(e.opened().payloadBuffer());
    } catch (PoolMessages.Malformed m) {
      ack(deliveryTag);
      return;
    }
    if (silenced || isCancelled(task.id())) {
      ack(deliveryTag);
      return;
    }
    try {
      failWith(
              task,
              new java.util.concurrent.TimeoutException(
                  "task "
                      + task.id()
                      + " was not run: it waited in the pool's task queue longer than the worker"
                      + " node's maximum message age ("
                      + e.getMessage()
                      + "); a message that old may be a replay. Submit it again, or raise"
                      + " RabbitContext.Builder.maxMessageAge in the contexts of the submitter"
                      + " and the nodes"))
          .whenComplete((taken, failed) -> ack(deliveryTag));
    } catch (RuntimeException failed) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot tell the submitter of expired task " + task.id() + ": " + failed);
      ack(deliveryTag);
    }
  }

  @SuppressWarnings("FutureReturnValueIgnored") // answered() handles every outcome of the publish
  private void finish(
      PoolMessages.Task task,
      long deliveryTag,
      CompletableFuture<byte[]> f,
      byte @Nullable [] value,
      @Nullable Throwable failure) {
    boolean answering = false;
    try {
      if (silenced) {
        return; // stopped: the task goes back to the broker unacknowledged
      }
      if (f.isCancelled()) {
        ack(deliveryTag); // a cancel message: the submitter no longer waits for it
        return;
      }
      if (draining && unwrap(failure) instanceof org.multiprocessing4j.WorkerDiedException) {
        // Ctrl-C reaches the whole process group: a worker that died while the node stops is
        // not the task's fault, so the task goes back to the broker instead of failing
        nack(deliveryTag);
        return;
      }
      byte[] body;
      if (failure == null && value != null) {
        // the worker's answer (tag, then bytes) goes straight into the signed message
        body =
            ctx.envelope.seal(
                task.replyTo(),
                PoolMessages.RESULT,
                PoolMessages.resultLength(task.id(), value.length - 1),
                b ->
                    PoolMessages.putResult(
                        b, task.id(), false, value[0], value, 1, value.length - 1));
      } else {
        Codec.Encoded e = ctx.codec.encode(portable(unwrap(failure)));
        byte[] payload =
            PoolMessages.write(new PoolMessages.Result(task.id(), true, e.tag(), e.bytes()));
        body = ctx.envelope.seal(task.replyTo(), PoolMessages.RESULT, payload);
      }
      ctx.publisher
          .publishAsync(task.replyTo(), body, false)
          .whenComplete((taken, e) -> answered(task, deliveryTag, taken, e));
      answering = true;
    } catch (RuntimeException e) {
      // the broker connection failed: the task stays unacknowledged and goes back
      LOG.log(System.Logger.Level.WARNING, "cannot answer task " + task.id() + ": " + e);
    } finally {
      if (!answering) {
        done(task);
      }
    }
  }

  /** Publishes a failure as the task's answer to its submitter, without waiting for the confirm. */
  private CompletableFuture<Boolean> failWith(PoolMessages.Task task, Throwable failure) {
    Codec.Encoded f = ctx.codec.encode(failure);
    byte[] payload =
        PoolMessages.write(new PoolMessages.Result(task.id(), true, f.tag(), f.bytes()));
    return ctx.publisher.publishAsync(
        task.replyTo(), ctx.envelope.seal(task.replyTo(), PoolMessages.RESULT, payload), false);
  }

  /**
   * The broker confirmed a task's answer, or could not: acknowledges the task. An answer the broker
   * refused, or lost with its channel, is replaced once by a small failure that says why (an answer
   * too large for the broker would fail again on every node); if that fails too, the task goes back
   * to the broker.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the retry's outcome is handled in its callback
  private void answered(
      PoolMessages.Task task, long deliveryTag, @Nullable Boolean taken, @Nullable Throwable e) {
    boolean retrying = false;
    try {
      Throwable cause =
          e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e;
      if (cause instanceof IllegalStateException gone) {
        LOG.log(
            System.Logger.Level.INFO,
            "the submitter of task " + task.id() + " is gone (" + gone.getMessage() + ")");
      } else if (cause != null || !Boolean.TRUE.equals(taken)) {
        String why =
            cause != null ? String.valueOf(cause.getMessage()) : "the broker refused the answer";
        LOG.log(System.Logger.Level.WARNING, "cannot answer task " + task.id() + ": " + why);
        if (silenced || !taskChannel.isOpen()) {
          return; // unacknowledged: the task goes back to the broker
        }
        failWith(
                task,
                new org.multiprocessing4j.RemoteProcessException(
                    "java.io.IOException",
                    "the worker node could not deliver the task's result: " + why,
                    new StackTraceElement[0],
                    null))
            .whenComplete(
                (ok, again) -> {
                  try {
                    if (again == null && Boolean.TRUE.equals(ok)) {
                      ack(deliveryTag);
                    } else {
                      nack(deliveryTag);
                    }
                  } finally {
                    done(task);
                  }
                });
        retrying = true;
        return;
      }
      completed.incrementAndGet();
      ack(deliveryTag);
    } catch (RuntimeException failed) {
      LOG.log(System.Logger.Level.WARNING, "cannot answer task " + task.id() + ": " + failed);
      nack(deliveryTag);
    } finally {
      if (!retrying) {
        done(task);
      }
    }
  }

  private void done(PoolMessages.Task task) {
    running.remove(task.id());
    synchronized (running) {
      running.notifyAll();
    }
  }

  /**
   * Returns a failure the submitter can read through its allow-list: the local pool's contract
   * types as they are (a timeout without its cause), anything else as a {@link
   * org.multiprocessing4j.RemoteProcessException} of its type, message and frames.
   */
  static Throwable portable(Throwable t) {
    if (t instanceof java.util.concurrent.TimeoutException) {
      return new java.util.concurrent.TimeoutException(t.getMessage());
    }
    if ((t instanceof org.multiprocessing4j.WorkerDiedException
            || t instanceof org.multiprocessing4j.RemoteProcessException)
        && (t.getCause() == null
            || t.getCause() instanceof org.multiprocessing4j.RemoteProcessException)) {
      return t;
    }
    return RemoteTask.remote(t);
  }

  private static Throwable unwrap(@Nullable Throwable t) {
    Throwable x = t;
    while ((x instanceof CompletionException || x instanceof ExecutionException)
        && x.getCause() != null) {
      x = x.getCause();
    }
    return x != null ? x : new IllegalStateException("a task ended without a result");
  }

  private void onCancel(String consumerTag, Delivery d) {
    PoolMessages.Cancel c;
    try {
      Envelope.Opened m = ctx.envelope.open(cancelExchange, d.getBody());
      if (m.tag() != PoolMessages.CANCEL) {
        throw new Envelope.Rejected("not a cancellation (codec tag " + m.tag() + ")");
      }
      ctx.envelope.accept(m); // auto-ack: never given back
      c = PoolMessages.readCancel(m.payloadBuffer());
    } catch (Envelope.Rejected | PoolMessages.Malformed e) {
      ctx.rejected(cancelExchange, e.getMessage());
      return;
    }
    synchronized (cancelled) {
      cancelled.put(c.id(), Boolean.TRUE);
      if (cancelled.size() > REMEMBERED_CANCELS) {
        cancelled.remove(cancelled.keySet().iterator().next());
      }
    }
    CompletableFuture<byte[]> f = running.get(c.id());
    if (f != null) {
      f.cancel(c.mayInterrupt()); // cancel(true) kills the worker running it
    }
  }

  private boolean isCancelled(String id) {
    synchronized (cancelled) {
      return cancelled.containsKey(id);
    }
  }

  private void ack(long deliveryTag) {
    holder.settled(deliveryTag); // done with: a copy that comes back is a replay
    synchronized (taskChannel) {
      try {
        if (taskChannel.isOpen()) {
          taskChannel.basicAck(deliveryTag, false);
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "ack failed (the task goes back): " + e);
      }
    }
  }

  private void nack(long deliveryTag) {
    holder.released(deliveryTag); // before the nack: its redelivery here must find it released
    synchronized (taskChannel) {
      try {
        if (taskChannel.isOpen()) {
          taskChannel.basicNack(deliveryTag, false, true);
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "nack failed (the task goes back): " + e);
      }
    }
  }

  @Override
  public String poolName() {
    return poolName;
  }

  @Override
  public int processes() {
    return processes;
  }

  @Override
  public long tasksCompleted() {
    return completed.get();
  }

  @Override
  public void stop(Duration grace) throws InterruptedException {
    if (stopped.getCount() == 0) {
      return;
    }
    synchronized (this) {
      if (stopped.getCount() == 0) {
        return;
      }
      draining = true;
      try {
        // Not under taskChannel's monitor: basicCancel waits for the broker's reply, which the
        // connection's thread reads, and that thread takes the monitor to ack confirmed answers.
        if (taskChannel.isOpen()) {
          taskChannel.basicCancel(consumerTag);
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "cancelling the task consumer: " + e);
      }
      try {
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        synchronized (running) {
          long left;
          while (!running.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(running, left);
          }
        }
      } finally {
        silenced = true;
        local.shutdownNow();
        holder.close(); // before the close: the broker may redeliver to another node here at once
        closeQuietly(taskChannel); // unacknowledged tasks go back to the broker
        closeQuietly(cancelChannel);
        ctx.forget(this);
        stopped.countDown();
      }
    }
  }

  private static void closeQuietly(Channel ch) {
    try {
      if (ch.isOpen()) {
        ch.close();
      }
    } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a channel: " + e);
    }
  }

  @Override
  public boolean isStopped() {
    return stopped.getCount() == 0;
  }

  @Override
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    try {
      stop(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "WorkerNode[pool " + poolName + ", " + processes + " processes, " + ctx.settings + "]";
  }
}
