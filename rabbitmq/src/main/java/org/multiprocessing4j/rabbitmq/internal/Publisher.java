package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
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
 * <p>Failure: if the channel closes, every pending future fails and the next publish opens a new
 * channel.
 */
final class Publisher {

  private final Connection connection;

  private @Nullable Channel channel; // guarded by this

  /** Sequence number to answer, of the current channel. */
  private final ConcurrentNavigableMap<Long, CompletableFuture<Boolean>> pending =
      new ConcurrentSkipListMap<>();

  Publisher(Connection connection) {
    this.connection = connection;
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
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    synchronized (this) {
      Channel ch = channel();
      long seq = ch.getNextPublishSeqNo();
      pending.put(seq, answer);
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .deliveryMode(persistent ? 2 : 1)
              .messageId(Long.toString(seq))
              .build();
      try {
        ch.basicPublish("", queue, true, props, body);
      } catch (IOException | RuntimeException e) {
        pending.remove(seq);
        throw new UncheckedIOException(
            "cannot publish to queue " + queue + ": " + e,
            e instanceof IOException io ? io : new IOException(e));
      }
    }
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

  /** Call only when holding this. */
  private Channel channel() {
    Channel ch = channel;
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    try {
      Channel c = connection.createChannel();
      c.confirmSelect();
      c.addConfirmListener(
          (seq, multiple) -> complete(seq, multiple, true),
          (seq, multiple) -> complete(seq, multiple, false));
      c.addReturnListener(
          r -> {
            String id = r.getProperties().getMessageId();
            CompletableFuture<Boolean> f = id == null ? null : pending.remove(Long.parseLong(id));
            if (f != null) {
              f.completeExceptionally(
                  new IllegalStateException(
                      "queue "
                          + r.getRoutingKey()
                          + " no longer exists in the broker (its context was closed, or it was"
                          + " deleted): the item was not put"));
            }
          });
      c.addShutdownListener(
          cause -> {
            for (var e : pending.entrySet()) {
              e.getValue()
                  .completeExceptionally(
                      new UncheckedIOException(
                          "the broker channel closed before confirming the item (it may or may"
                              + " not be in the queue): "
                              + cause.getMessage(),
                          new IOException(cause)));
            }
            pending.clear();
          });
      pending.clear();
      channel = c;
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a channel to the broker: " + e, e);
    }
  }

  private void complete(long seq, boolean multiple, boolean ack) {
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
}
