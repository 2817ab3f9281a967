package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
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
 * flag set, never neither: the listener sets the flag before it empties the table under the table's
 * lock, and a publish adds its entry under that lock before it reads the flag.
 */
final class Publisher {

  private final Connection connection;

  private @Nullable Open open; // guarded by this

  Publisher(Connection connection) {
    this.connection = connection;
  }

  /** A message waiting for the broker's answer, and the thread waiting for it in publish(). */
  private static final class Entry {
    final long seq;
    final CompletableFuture<Boolean> answer = new CompletableFuture<>();
    volatile @Nullable Thread waiter;

    Entry(long seq) {
      this.seq = seq;
    }

    /** Completes the answer, then wakes publish()'s waiter if one is set. */
    void settle(boolean ack, @Nullable Throwable failure) {
      if (failure != null) {
        answer.completeExceptionally(failure);
      } else {
        answer.complete(ack);
      }
      // waiter is written before the waiter reads isDone(); complete() is a volatile CAS before
      // this read: one of the two sides sees the other (no lost wake-up)
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }

  /**
   * A channel and the answers it owes, in sequence-number order.
   *
   * <p>Not a {@code ConcurrentSkipListMap}, as before: its size counter is a {@code LongAdder},
   * whose first contended add (a publish and a confirm at the same moment) took a branch the JIT
   * had compiled as never taken into the client library's {@code ChannelN.processAsync}, where the
   * confirm listener is inlined; its recompilation took 310 ms of C2 time in a measured round
   * (docs/benchmarks.md, round 7). Entries are added in sequence order (under the publisher's lock)
   * and the broker confirms in order, so a deque under its own short lock fits.
   */
  private static final class Open {
    final Channel channel;
    private final ArrayDeque<Entry> pending = new ArrayDeque<>(); // guarded by itself
    volatile @Nullable ShutdownSignalException closed;

    Open(Channel channel) {
      this.channel = channel;
    }

    /** Adds the next entry. Call only when holding the publisher's lock (sequence order). */
    Entry add(long seq) {
      Entry e = new Entry(seq);
      synchronized (pending) {
        pending.addLast(e);
      }
      return e;
    }

    /** Removes and returns the entry of {@code seq}, or null if none is pending. */
    @Nullable Entry remove(long seq) {
      synchronized (pending) {
        for (Iterator<Entry> i = pending.descendingIterator(); i.hasNext(); ) {
          Entry e = i.next();
          if (e.seq == seq) {
            i.remove();
            return e;
          }
          if (e.seq < seq) {
            return null;
          }
        }
        return null;
      }
    }

    void complete(long seq, boolean multiple, boolean ack) {
      if (!multiple) {
        Entry first;
        synchronized (pending) {
          first = pending.peekFirst();
          if (first != null && first.seq == seq) {
            pending.pollFirst();
          } else {
            first = null;
          }
        }
        Entry e = first != null ? first : remove(seq);
        if (e != null) {
          e.settle(ack, null); // outside the lock: dependents may publish again
        }
        return;
      }
      List<Entry> done = new ArrayList<>();
      synchronized (pending) {
        for (Entry e = pending.peekFirst(); e != null && e.seq <= seq; e = pending.peekFirst()) {
          done.add(pending.pollFirst());
        }
      }
      for (Entry e : done) {
        e.settle(ack, null);
      }
    }

    void returned(String routingKey, @Nullable String messageId) {
      Entry e = messageId == null ? null : remove(Long.parseLong(messageId));
      if (e != null) {
        e.settle(
            false,
            new IllegalStateException(
                "queue "
                    + routingKey
                    + " no longer exists in the broker (its context was closed, or it was"
                    + " deleted): the item was not put"));
      }
    }

    void shutDown(ShutdownSignalException cause) {
      closed = cause;
      List<Entry> lost;
      synchronized (pending) {
        lost = new ArrayList<>(pending);
        pending.clear();
      }
      for (Entry e : lost) {
        e.settle(false, lost(cause));
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
   * <p>Waits by parking until the confirm listener unparks it, not in {@code
   * CompletableFuture.get()}: {@code get()} has a branch taken only when the answer is there before
   * the wait begins, which a publish under load rarely sees; when it finally did, it deoptimized
   * the pool's {@code send} (where this is inlined) back to C1 code for the rest of a benchmark
   * (docs/benchmarks.md, round 7).
   *
   * @return true if the broker took the message, false if it refused it (its queue is full)
   * @throws IllegalStateException if the queue does not exist
   * @throws UncheckedIOException if the connection or channel failed
   */
  boolean publish(String queue, byte[] body, boolean persistent) {
    Entry e = send(queue, body, persistent);
    boolean interrupted = false;
    e.waiter = Thread.currentThread();
    while (!e.answer.isDone()) {
      LockSupport.park(this);
      if (Thread.interrupted()) {
        interrupted = true; // not interruptible: see above; the interrupt is restored below
      }
    }
    e.waiter = null;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (e.answer.state() == Future.State.SUCCESS) {
      return e.answer.resultNow();
    }
    Throwable failure = e.answer.exceptionNow();
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    throw new UncheckedIOException(new IOException(failure));
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
    return send(queue, body, persistent).answer;
  }

  private Entry send(String queue, byte[] body, boolean persistent) {
    synchronized (this) {
      Open o = open();
      Channel ch = o.channel;
      long seq = ch.getNextPublishSeqNo();
      Entry entry = o.add(seq);
      AMQP.BasicProperties props =
          new AMQP.BasicProperties.Builder()
              .deliveryMode(persistent ? 2 : 1)
              .messageId(Long.toString(seq))
              .build();
      try {
        ch.basicPublish("", queue, true, props, body);
      } catch (IOException | RuntimeException e) {
        o.remove(seq);
        throw new UncheckedIOException(
            "cannot publish to queue " + queue + ": " + e,
            e instanceof IOException io ? io : new IOException(e));
      }
      ShutdownSignalException closed = o.closed;
      if (closed != null && o.remove(seq) != null) {
        entry.settle(false, Open.lost(closed));
      }
      return entry;
    }
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
    Channel c = null;
    try {
      c = connection.createChannel();
      if (c == null) {
        throw new IOException("no channel number is free on the connection");
      }
      Open fresh = new Open(c);
      c.confirmSelect();
      c.addConfirmListener(
          (seq, multiple) -> fresh.complete(seq, multiple, true),
          (seq, multiple) -> fresh.complete(seq, multiple, false));
      c.addReturnListener(r -> fresh.returned(r.getRoutingKey(), r.getProperties().getMessageId()));
      c.addShutdownListener(fresh::shutDown);
      open = fresh;
      return fresh;
    } catch (IOException | ShutdownSignalException e) {
      // A lost or closed connection throws AlreadyClosedException (a ShutdownSignalException):
      // callers expect UncheckedIOException, as for a failed publish.
      if (c != null) {
        try {
          c.abort();
        } catch (IOException | RuntimeException ignored) {
          // the channel failed already; nothing more to release
        }
      }
      throw new UncheckedIOException(
          "cannot open a channel to the broker: " + e,
          e instanceof IOException io ? io : new IOException(e));
    }
  }
}
