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
 *
 * <h2>Lost tokens</h2>
 *
 * If that channel closes while a token is held (the connection was lost, or the broker's {@code
 * consumer_timeout}, 30 minutes by default, passed with the delivery unacknowledged), the broker
 * puts the token back and gives it to the next taker: the hold is over, though its holder does not
 * know. A token remembers its channel, so the holder finds out when it gives the token back ({@link
 * #giveBack} returns false, and the lock or semaphore says why with {@link #lostMessage}), and a
 * lock no longer counts as held.
 */
final class TokenQueue {

  static final String OK = "ok";
  static final String DIED = "died";

  /** A token held by this process. */
  static final class Token {
    final long tag;
    final Channel channel;
    boolean died; // guarded by the owning lock or semaphore's rules: its holder only

    Token(long tag, boolean died, Channel channel) {
      this.tag = tag;
      this.died = died;
      this.channel = channel;
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
    return new Token(r.getEnvelope().getDeliveryTag(), died, ch);
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
   *
   * @return false, doing nothing, if the token was lost (see "Lost tokens" above): the broker has
   *     put it back already
   */
  synchronized boolean giveBack(Token t) {
    context.ensureOpen();
    if (isLost(t)) {
      return false;
    }
    Channel ch = channel();
    try {
      ch.basicPublish(
          "", name, persistent(), (t.died ? DIED : OK).getBytes(StandardCharsets.US_ASCII));
      ch.basicAck(t.tag, false);
      ch.txCommit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot give the token back to " + name + ": " + e, e);
    }
    return true;
  }

  /** Returns whether the channel that held {@code t} has closed, so the broker took it back. */
  synchronized boolean isLost(Token t) {
    return t.channel != channel || !t.channel.isOpen();
  }

  /** Says that the hold of {@code what} (a lock, a semaphore) ended when {@code t} was lost. */
  String lostMessage(String what, Token t) {
    var reason = t.channel.getCloseReason();
    return what
        + " "
        + name
        + " was lost while held: the broker channel holding its token closed"
        + (reason == null ? "" : " (" + reason.getMessage() + ")")
        + ", so the broker gave the token to the next taker and the hold was not exclusive from"
        + " then on. Holds longer than the broker's consumer_timeout (30 minutes by default) end"
        + " this way: raise consumer_timeout in the broker's configuration for longer holds.";
  }

  /** Returns the channel tokens are taken on now, for tests. */
  synchronized Channel channelForTest() {
    return channel();
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
