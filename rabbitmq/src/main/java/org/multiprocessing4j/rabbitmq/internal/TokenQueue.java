package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A broker queue of tokens, the state of a distributed lock or semaphore: a token in the queue is a
 * free permit; a holder keeps its token unacknowledged, so that when the holder's process dies (or
 * its connection is lost) the broker puts the token back by itself.
 *
 * <h2>Design</h2>
 *
 * <pre>
 *  acquire: basic.get without auto-ack, retried with back-off (1 ms doubling to 50 ms)
 *  release: in one transaction, publish a fresh token and ack the held one
 * </pre>
 *
 * A release never requeues the held token: it replaces it. So a token arrives marked {@code
 * redelivered} only when its holder died holding it, which is the lock's owner-died state; the
 * state is carried on in the token's body ({@code "died"}) until a holder declares the data
 * consistent. Tokens live on classic queues (quorum queues drop a message after a number of
 * redeliveries on RabbitMQ 4).
 *
 * <h2>Concurrency</h2>
 *
 * One channel per token queue and process, in transaction mode, used under {@code this}'s lock.
 */
final class TokenQueue {

  static final String OK = "ok";
  static final String DIED = "died";

  /** A token held by this process. */
  static final class Token {
    final long tag;
    boolean died; // guarded by the owning lock or semaphore's rules: its holder only

    Token(long tag, boolean died) {
      this.tag = tag;
      this.died = died;
    }
  }

  final RabbitContextImpl context;
  final String name;
  private Channel channel; // guarded by this

  TokenQueue(RabbitContextImpl context, String name) {
    this.context = context;
    this.name = name;
    this.channel = open();
  }

  private Channel open() {
    Channel ch = context.openChannel();
    try {
      ch.txSelect();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a transactional channel: " + e, e);
    }
    return ch;
  }

  /** Declares the queue with {@code permits} free tokens (run once, by the creator). */
  void create(int permits) {
    context.admin(
        ch -> {
          ch.queueDeclare(
              name, true, false, false, java.util.Map.of("x-queue-type", (Object) "classic"));
          return name;
        });
    for (int i = 0; i < permits; i++) {
      add();
    }
  }

  /** Takes a free token now, or returns null. */
  synchronized @Nullable Token tryTake() {
    context.ensureOpen();
    Channel ch = channel();
    GetResponse r;
    try {
      r = ch.basicGet(name, false);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot take a token from " + name + " (was its context closed?): " + e, e);
    }
    if (r == null) {
      return null;
    }
    boolean died =
        r.getEnvelope().isRedeliver()
            || DIED.equals(new String(r.getBody(), StandardCharsets.US_ASCII));
    return new Token(r.getEnvelope().getDeliveryTag(), died);
  }

  /**
   * Takes a free token, waiting up to {@code timeoutNanos} ({@link BrokerQueue#FOREVER}: no limit).
   *
   * @return the token, or null on timeout
   * @throws InterruptedException if interrupted while waiting (when {@code interruptible})
   */
  @Nullable Token take(long timeoutNanos, boolean interruptible) throws InterruptedException {
    @Nullable Token[] taken = new Token[1];
    Backoff.Attempt attempt = () -> (taken[0] = tryTake()) != null;
    if (interruptible) {
      Backoff.until(attempt, timeoutNanos, 50);
      return taken[0];
    }
    // Uninterruptible callers (lock(), acquireUninterruptibly()) wait without a time limit, so
    // starting over after an interrupt changes nothing.
    boolean interrupted = false;
    try {
      while (true) {
        try {
          Backoff.until(attempt, timeoutNanos, 50);
          return taken[0];
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Gives a held token back: a fresh one (carrying the owner-died state) replaces it, atomically.
   */
  synchronized void giveBack(Token t) {
    context.ensureOpen();
    Channel ch = channel();
    try {
      ch.basicPublish(
          "", name, persistent(), (t.died ? DIED : OK).getBytes(StandardCharsets.US_ASCII));
      ch.basicAck(t.tag, false);
      ch.txCommit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot give the token back to " + name + ": " + e, e);
    }
  }

  /** Adds a free token (a semaphore released beyond what this process holds). */
  synchronized void add() {
    Channel ch = channel();
    try {
      ch.basicPublish("", name, persistent(), OK.getBytes(StandardCharsets.US_ASCII));
      ch.txCommit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot add a token to " + name + ": " + e, e);
    }
  }

  /** Returns the number of free tokens. */
  int free() {
    context.ensureOpen();
    return context.admin(ch -> ch.queueDeclarePassive(name).getMessageCount());
  }

  private static AMQP.BasicProperties persistent() {
    return new AMQP.BasicProperties.Builder().deliveryMode(2).build();
  }

  /** Call only when holding this. */
  private Channel channel() {
    if (!channel.isOpen()) {
      // Held tokens of the old channel went back to the queue when it closed.
      channel = open();
    }
    return channel;
  }
}
