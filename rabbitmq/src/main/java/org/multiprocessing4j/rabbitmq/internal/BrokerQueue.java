package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.UndecodableValueException;

/**
 * One broker queue as seen by this process: puts with confirms, takes with deferred acks, and, for
 * a joinable queue, a second broker queue of tokens that counts unfinished items.
 *
 * <h2>Design</h2>
 *
 * <pre>
 *  put:   [token queue &lt;- token]  (joinable only, confirmed first)
 *         items queue &lt;- signed envelope   (confirmed; nack = full: retry until the deadline)
 *  get:   ack this thread's previous item, then take one delivery from this thread's consumer
 *         (started on demand, prefetch N) or, for a get that must not wait, basic.get;
 *         check the envelope; a bad one is rejected without requeue and the get goes on
 *  taskDone: ack this thread's held item, then take one token (basic.get with auto-ack)
 *  join:  poll the token queue's message count until it is 0
 * </pre>
 *
 * <h2>Concurrency</h2>
 *
 * Each consuming thread has a {@link Taker}: its own channel, consumer and delivery buffer, used
 * only by that thread, except {@link #ackAllHeld} at close and at exit, which takes the taker's
 * lock as every ack does. Publishing goes through the context's {@link Publisher}.
 *
 * <h2>Failure</h2>
 *
 * A taker's items not yet acked (taken or buffered) return to the queue when its channel or
 * connection closes, in particular when this process dies. When a get ends without an item, the
 * thread's consumer is cancelled and whatever it had buffered is handed back, so no item waits in
 * the buffer of a thread that is not asking for one. Buffered items were never accepted, so they
 * come back as new; a taken item comes back to this context as a replay unless its taker's {@link
 * ReplayGuard.Holder} released it: the channel's shutdown, or {@link Taker#close}, does that.
 */
final class BrokerQueue {

  private static final System.Logger LOG = System.getLogger("org.multiprocessing4j.rabbitmq");
  static final long FOREVER = Backoff.FOREVER;
  static final Object NONE = new Object();

  final RabbitContextImpl context;
  final String name;
  final @Nullable String tokens;
  final int maxsize;
  private volatile boolean closed;
  private final Map<Thread, Taker> takers = new ConcurrentHashMap<>();

  BrokerQueue(RabbitContextImpl context, String name, boolean joinable, int maxsize) {
    this.context = context;
    this.name = name;
    this.tokens = joinable ? name + ".unfinished" : null;
    this.maxsize = maxsize;
  }

  void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("queue " + name + " is closed in this process");
    }
    context.ensureOpen();
  }

  // ------------------------------------------------------------------------------------- put

  /**
   * Puts an item, waiting up to {@code timeoutNanos} for room.
   *
   * @return true if put, false if the queue stayed full
   */
  boolean put(@Nullable Object item, long timeoutNanos) throws InterruptedException {
    ensureOpen();
    Codec.Encoded e = context.codec.encode(item);
    byte[] body = context.envelope.seal(name, e.tag(), e.bytes());
    String t = tokens;
    if (t != null && !context.publisher.publish(t, new byte[0], true)) {
      throw new IllegalStateException("the token queue " + t + " refused a token");
    }
    boolean put = false;
    try {
      put = publishUntil(body, timeoutNanos);
      return put;
    } finally {
      if (t != null && !put) {
        takeToken(); // the item is not in: take its token back
      }
    }
  }

  private boolean publishUntil(byte[] body, long timeoutNanos) throws InterruptedException {
    // A refusal means the queue holds maxsize ready items: poll for room.
    return Backoff.until(
        () -> {
          ensureOpen();
          return context.publisher.publish(name, body, context.settings.persistent());
        },
        timeoutNanos,
        50);
  }

  // ------------------------------------------------------------------------------------- get

  /**
   * Takes an item, waiting up to {@code timeoutNanos} (0: not at all).
   *
   * @return the item (null for a null item), or {@link #NONE} if none came in time
   */
  @Nullable Object get(long timeoutNanos) throws InterruptedException {
    ensureOpen();
    Taker t = taker();
    t.ackHeld();
    long deadline = timeoutNanos == FOREVER ? 0 : System.nanoTime() + timeoutNanos;
    while (true) {
      Object o = t.buffer.poll();
      if (o == null && timeoutNanos == 0) {
        GetResponse r = io(() -> t.channel.basicGet(name, false));
        if (r == null) {
          t.stopConsumer();
          return NONE;
        }
        o =
            new Delivery(
                r.getEnvelope().getDeliveryTag(), r.getBody(), r.getEnvelope().isRedeliver());
      }
      if (o == null) {
        t.startConsumer();
        try {
          if (timeoutNanos == FOREVER) {
            o = t.buffer.take();
          } else {
            long left = deadline - System.nanoTime();
            o = left <= 0 ? t.buffer.poll() : t.buffer.poll(left, TimeUnit.NANOSECONDS);
          }
        } catch (InterruptedException e) {
          t.stopConsumer();
          throw e;
        }
        if (o == null) {
          t.stopConsumer();
          return NONE;
        }
      }
      if (!(o instanceof Delivery d)) {
        takers.remove(t.owner, t);
        t.close();
        throw new IllegalStateException(
            "queue " + name + " is no longer usable here: " + o + " (was it deleted?)");
      }
      Object value;
      try {
        var opened = context.envelope.open(name, d.body());
        context.envelope.accept(opened, t.holder, d.tag(), d.redelivered());
        t.held.add(d.tag());
        try {
          value = context.codec.decode(opened.tag(), opened.payload(), context, loader());
        } catch (UndecodableValueException e) {
          t.ackHeld(); // a well-signed item that cannot be read here is removed, as locally
          throw e;
        }
      } catch (org.multiprocessing4j.rabbitmq.internal.Envelope.Rejected r) {
        context.rejected(name, r.getMessage());
        io(
            () -> {
              t.channel.basicReject(d.tag(), false);
              return null;
            });
        continue;
      }
      return value;
    }
  }

  private static ClassLoader loader() {
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : BrokerQueue.class.getClassLoader();
  }

  /** Acks the oldest item this thread holds, if any (a task reported done). */
  void ackOneHeld() {
    Taker t = takers.get(Thread.currentThread());
    if (t != null) {
      t.ackOldest();
    }
  }

  // -------------------------------------------------------------------------------- joinable

  /**
   * Takes one token: an unfinished item is done.
   *
   * @return false if there was none
   */
  boolean takeToken() {
    String t = tokens;
    if (t == null) {
      throw new IllegalStateException("not a joinable queue");
    }
    return context.admin(ch -> ch.basicGet(t, true)) != null;
  }

  /** Returns the number of unfinished items. */
  long unfinished() {
    String t = tokens;
    if (t == null) {
      throw new IllegalStateException("not a joinable queue");
    }
    return context.admin(ch -> (long) ch.queueDeclarePassive(t).getMessageCount());
  }

  boolean join(long timeoutNanos) throws InterruptedException {
    ensureOpen();
    return Backoff.until(() -> unfinished() == 0, timeoutNanos, 100);
  }

  // ------------------------------------------------------------------------------------ state

  /** Returns the number of ready items (not those delivered to consumers and not yet acked). */
  long size() {
    ensureOpen();
    return context.admin(ch -> (long) ch.queueDeclarePassive(name).getMessageCount());
  }

  /** Closes the queue in this process: acks what its threads hold, closes their channels. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    ackAllHeld();
    for (Taker t : takers.values()) {
      t.close();
    }
    takers.clear();
  }

  /** Acks every item this process's threads took from the queue (at exit: they were handled). */
  void ackAllHeld() {
    for (Taker t : takers.values()) {
      t.ackHeld();
    }
  }

  /** Returns the channel a thread takes items on, or null if it has none, for tests. */
  @Nullable Channel channelForTest(Thread owner) {
    Taker t = takers.get(owner);
    return t == null ? null : t.channel;
  }

  private Taker taker() {
    Thread me = Thread.currentThread();
    Taker t = takers.get(me);
    if (t != null && t.channel.isOpen()) {
      return t;
    }
    if (t != null) {
      takers.remove(me, t);
    }
    // Threads that ended: their items were handled; their buffered ones go back.
    for (Taker dead : java.util.List.copyOf(takers.values())) {
      if (!dead.owner.isAlive() && takers.remove(dead.owner, dead)) {
        dead.ackHeld();
        dead.close();
      }
    }
    Taker fresh = new Taker(me, context.openChannel());
    takers.put(me, fresh);
    return fresh;
  }

  /** A delivery not yet checked. */
  static final class Delivery {
    private final long tag;
    private final byte[] body;
    private final boolean redelivered;

    Delivery(long tag, byte[] body, boolean redelivered) {
      this.tag = tag;
      this.body = body;
      this.redelivered = redelivered;
    }

    /**
     * Set by the broker: the item went back to the queue unacked, from whoever held it (a client
     * that can read the queue can have it set on a copy: see {@link ReplayGuard}).
     */
    boolean redelivered() {
      return redelivered;
    }

    long tag() {
      return tag;
    }

    byte[] body() {
      return body;
    }
  }

  interface IoCall<T> {
    @Nullable T call() throws IOException;
  }

  static <T> @Nullable T io(IoCall<T> call) {
    try {
      return call.call();
    } catch (IOException e) {
      throw new UncheckedIOException("broker operation failed: " + e, e);
    } catch (ShutdownSignalException e) {
      throw new IllegalStateException("the broker closed the channel: " + e.getMessage(), e);
    }
  }

  /** One consuming thread's channel, consumer and buffer. */
  final class Taker {
    final Thread owner;
    final Channel channel;
    final LinkedBlockingQueue<Object> buffer = new LinkedBlockingQueue<>();
    final ArrayDeque<Long> held = new ArrayDeque<>(); // guarded by this
    final ReplayGuard.Holder holder; // what the replay check knows of the items held
    private @Nullable String consumerTag; // owner thread only
    private @Nullable CountDownLatch cancelled; // owner thread only

    Taker(Thread owner, Channel channel) {
      this.owner = owner;
      this.channel = channel;
      this.holder = context.envelope.holder(channel);
    }

    synchronized void ackHeld() {
      while (!held.isEmpty()) {
        ack(held.poll());
      }
    }

    synchronized void ackOldest() {
      Long tag = held.poll();
      if (tag != null) {
        ack(tag);
      }
    }

    private void ack(long tag) {
      try {
        channel.basicAck(tag, false);
      } catch (IOException | RuntimeException e) {
        // The channel is gone: the broker hands the item to another consumer (a duplicate).
        LOG.log(System.Logger.Level.DEBUG, "could not acknowledge an item of " + name + ": " + e);
      } finally {
        holder.settled(tag); // handled: a copy that comes back now is a replay
      }
    }

    void startConsumer() {
      if (consumerTag != null) {
        return;
      }
      CountDownLatch latch = new CountDownLatch(1);
      DefaultConsumer consumer =
          new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(
                String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
              buffer.add(new Delivery(envelope.getDeliveryTag(), body, envelope.isRedeliver()));
            }

            @Override
            public void handleCancelOk(String tag) {
              latch.countDown();
            }

            @Override
            public void handleCancel(String tag) {
              buffer.add("the broker cancelled the consumer");
              latch.countDown();
            }

            @Override
            public void handleShutdownSignal(String tag, ShutdownSignalException sig) {
              buffer.add("the channel closed: " + sig.getMessage());
              latch.countDown();
            }
          };
      consumerTag =
          io(
              () -> {
                channel.basicQos(context.settings.prefetch());
                return channel.basicConsume(name, false, consumer);
              });
      cancelled = latch;
    }

    /** Cancels the consumer and hands back what it buffered. */
    void stopConsumer() {
      String tag = consumerTag;
      CountDownLatch latch = cancelled;
      if (tag == null || latch == null) {
        return;
      }
      consumerTag = null;
      cancelled = null;
      boolean interrupted = Thread.interrupted();
      try {
        channel.basicCancel(tag);
        // Deliveries sent before the cancel-ok are dispatched before it.
        while (true) {
          try {
            latch.await(10, TimeUnit.SECONDS);
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        Object o;
        while ((o = buffer.poll()) != null) {
          if (o instanceof Delivery d) {
            channel.basicNack(d.tag(), false, true);
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "could not cancel a consumer of " + name + ": " + e);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    void close() {
      holder.close(); // before the close: the broker may redeliver what it held at once
      try {
        if (channel.isOpen()) {
          channel.close();
        }
      } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing a channel of " + name + ": " + e);
      }
    }
  }
}
