package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Publishes with confirms on one channel shared by a context's queues.
 *
 * <p>Concurrency: {@link #publish} takes the sequence number and publishes under {@code this}'s
 * lock, so that numbers and messages match, then waits for the broker's answer outside it, so that
 * several threads' messages are in flight at once (the broker confirms them in batches). Messages
 * are mandatory: one the broker cannot route (its queue was deleted) comes back first as a return,
 * which fails its future, then as an ack, which no longer matters.
 *
 * <p>Failure: if the channel closes, every future pending on it fails and the next publish opens a
 * new channel. Each channel has its own table of pending answers ({@link Open}): sequence numbers
 * start again at 1 on a new channel, and the old channel's shutdown listener may run after the new
 * channel has taken messages, so one shared table would let a late confirm or a late shutdown of
 * the old channel complete, fail or forget the new channel's answers. A publish that races with its
 * channel's shutdown sees either its entry failed by the listener or the channel's {@code closed}
 * flag set, never neither (both are volatile accesses, in opposite orders on the two sides).
 */
final class Publisher {

  private final Connection connection;

  private @Nullable Open open; // guarded by this

  Publisher(Connection connection) {
    this.connection = connection;
  }

  /** A channel and the answers it owes, by sequence number. */
  private static final class Open {
    final Channel channel;
    final ConcurrentNavigableMap<Long, CompletableFuture<Boolean>> pending =
        new ConcurrentSkipListMap<>();
    volatile @Nullable ShutdownSignalException closed;

    Open(Channel channel) {
      this.channel = channel;
    }

    void complete(long seq, boolean multiple, boolean ack) {
      if (multiple) {
        var head = pending.headMap(seq, true);
        for (var f : head.values()) {
          f.complete(ack);
        }
        head.clear();
      } else {
        CompletableFuture<Boolean> f = pending.remove(seq);
        if (f != null) {
          f.complete(ack);
        }
      }
    }

    void returned(String routingKey, @Nullable String messageId) {
      CompletableFuture<Boolean> f =
          messageId == null ? null : pending.remove(Long.parseLong(messageId));
      if (f != null) {
        f.completeExceptionally(
            new IllegalStateException(
                "queue "
                    + routingKey
                    + " no longer exists in the broker (its context was closed, or it was"
                    + " deleted): the item was not put"));
      }
    }

    void shutDown(ShutdownSignalException cause) {
      closed = cause;
      for (Long seq : pending.keySet()) {
        CompletableFuture<Boolean> f = pending.remove(seq);
        if (f != null) {
          f.completeExceptionally(lost(cause));
        }
      }
    }

    static UncheckedIOException lost(ShutdownSignalException cause) {
      return new UncheckedIOException(
          "the broker channel closed before confirming the item (it may or may not be in the"
              + " queue): "
              + cause.getMessage(),
          new IOException(cause));
    }
  }

  /**
   * Publishes a body to a queue and waits for the broker's answer (not interruptibly: once
   * published, the answer is what decides whether the item is in the queue).
   *
   * @return true if the broker took the message, false if it refused it (its queue is full)
   * @throws IllegalStateException if the queue does not exist
   * @throws UncheckedIOException if the connection or channel failed
   */
  boolean publish(String queue, byte[] body, boolean persistent) {
    CompletableFuture<Boolean> answer = publishAsync(queue, body, persistent);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return answer.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw new UncheckedIOException(new IOException(e.getCause()));
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Publishes a body to a queue without waiting for the broker's answer.
   *
   * @return the answer, completed by the connection's thread: true if the broker took the message,
   *     false if it refused it; or failed with {@link IllegalStateException} if the queue does not
   *     exist, {@link UncheckedIOException} if the channel closed first
   * @throws UncheckedIOException if the message could not be sent
   */
  CompletableFuture<Boolean> publishAsync(String queue, byte[] body, boolean persistent) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    synchronized (this) {
      Open o = open();
      Channel ch = o.channel;
      long seq = ch.getNextPublishSeqNo();
      o.pending.put(seq, answer);
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .deliveryMode(persistent ? 2 : 1)
              .messageId(Long.toString(seq))
              .build();
      try {
        ch.basicPublish("", queue, true, props, body);
      } catch (IOException | RuntimeException e) {
        o.pending.remove(seq);
        throw new UncheckedIOException(
            "cannot publish to queue " + queue + ": " + e,
            e instanceof IOException io ? io : new IOException(e));
      }
      ShutdownSignalException closed = o.closed;
      if (closed != null && o.pending.remove(seq) != null) {
        answer.completeExceptionally(Open.lost(closed));
      }
    }
    return answer;
  }

  /** Returns the channel messages are published on now, for tests. */
  synchronized Channel channelForTest() {
    return open().channel;
  }

  /** Call only when holding this. */
  private Open open() {
    Open o = open;
    if (o != null && o.closed == null && o.channel.isOpen()) {
      return o;
    }
    try {
      Channel c = connection.createChannel();
      Open fresh = new Open(c);
      c.confirmSelect();
      c.addConfirmListener(
          (seq, multiple) -> fresh.complete(seq, multiple, true),
          (seq, multiple) -> fresh.complete(seq, multiple, false));
      c.addReturnListener(r -> fresh.returned(r.getRoutingKey(), r.getProperties().getMessageId()));
      c.addShutdownListener(fresh::shutDown);
      open = fresh;
      return fresh;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a channel to the broker: " + e, e);
    }
  }
}
