package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.Channel;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a checked message may be taken by this context: the nonces it took ({@link
 * ReplayMemory}), and the one exception to "a nonce seen before is a replay": a message this
 * context itself gave back to the broker without finishing it, coming back.
 */
final class ReplayGuard {
  /*
   * Implementation notes
   *
   * Why not the broker's redelivered flag. The broker sets it on a message that went back to its
   * queue unacknowledged, whoever held it: a client with access to the queue can publish a copy
   * of a captured message, basic.get it without an ack and close its channel, and the copy comes
   * back redelivered. So the flag alone proves nothing (issue 6, G1). What does: this context
   * gave that very message back. It is a copy of ours only if we held it and let it go.
   *
   * State (all guarded by this guard's monitor):
   *   taken     the nonces accepted within the maximum age (a ReplayMemory)
   *   holders   one Holder per consuming channel that acknowledges by hand (a queue's taker, a
   *             pool node's task channel): the accepted messages it holds, delivery tag -> nonce
   *   released  nonces of accepted messages given back unfinished, oldest first, at most
   *             MAX_RELEASED (a consumer that accepts without a holder, on auto-ack, gives back
   *             nothing)
   *
   * Transitions of an accepted message, by what its holder does:
   *   settled(tag)   acknowledged, or finished and the ack tried: forgotten. A copy that comes
   *                  later is a replay even if the ack was lost with its channel: the work was
   *                  done once, and dropping the copy is right.
   *   released(tag)  nacked or rejected with requeue: its nonce goes to `released`, *before* the
   *                  caller sends the nack, so the redelivery cannot arrive first.
   *   close()        the channel closed: everything it held goes to `released`. Called by the
   *                  channel's shutdown listener (the connection was lost, the broker closed the
   *                  channel: consumer_timeout, a deleted queue) and, before closing a channel
   *                  themselves, by its owners. A holder once closed stays closed: a message
   *                  accepted on it afterwards (its delivery was being accepted as the channel
   *                  closed, so the broker has it back) goes straight to `released`.
   *
   * Accepting a nonce seen before: allowed once if the broker marked it redelivered and it is in
   * `released` (the entry is consumed); otherwise it is a replay. One race is waited out: when
   * the broker closes a channel, the requeued messages go out on other channels' streams, and a
   * redelivery may reach another channel of this connection before the client has read the
   * close (RedeliveredToTheSameContextTest's waiting-thread case lost its item in 14 of 30 runs
   * without the wait, 2026-11-29). A redelivered nonce still held by an open holder here is
   * therefore given up to HANDBACK_WAIT_MILLIS for that holder to close (then it is released:
   * allowed) or to settle it (a replay). Only that case waits: an attacker's copy of a message we
   * are still working on costs the consumer that wait, then is rejected.
   *
   * What this does not cover: another context, in particular another process, never saw the
   * nonce, so a copy that reaches it is taken there once. A message released here and then taken
   * by someone else stays in `released` until pushed out, so one copy of it could still be taken
   * here once. Nonces pushed out of `released` (more than MAX_RELEASED given back and not yet
   * returned) make their redelivery a replay: dropped.
   */

  static final int MAX_RELEASED = 100_000;
  static final long HANDBACK_WAIT_MILLIS = 2_000;
  private static final int MAX_REMEMBERED_RUNS = 1_000_000;

  private final ReplayMemory taken;
  private final Set<Envelope.Nonce> released = new LinkedHashSet<>();
  private final Set<Holder> holders = new LinkedHashSet<>();
  private int waiters;

  ReplayGuard(long maxAgeMillis) {
    this.taken = new ReplayMemory(maxAgeMillis, MAX_REMEMBERED_RUNS);
  }

  /**
   * Returns a holder for the messages accepted on {@code channel}, closed (its messages released)
   * when the channel shuts down.
   */
  Holder holder(Channel channel) {
    Holder h = holder();
    channel.addShutdownListener(cause -> h.close()); // run at once if it is already closed
    return h;
  }

  /** Returns a holder closed only by its {@link Holder#close()}. */
  synchronized Holder holder() {
    Holder h = new Holder();
    holders.add(h);
    return h;
  }

  /**
   * Records a message as taken.
   *
   * @param holder the holder of the channel it arrived on, or null for a consumer that does not
   *     acknowledge by hand (nothing it takes is ever given back by this context)
   * @param tag its delivery tag on that channel
   * @param redelivered the broker's redelivered flag
   * @throws Envelope.Rejected if this context took the nonce before and did not give the message
   *     back (a replay)
   */
  synchronized void accept(
      Envelope.Nonce n, long millis, @Nullable Holder holder, long tag, boolean redelivered)
      throws Envelope.Rejected {
    if (!taken.add(n.prefix(), n.counter(), millis, System.currentTimeMillis())
        && !(redelivered && returned(n))) {
      throw new Envelope.Rejected(
          "a replay: this process already took a message with the same nonce"
              + (redelivered ? " and never gave it back (redelivered by someone else)" : ""));
    }
    if (holder != null) {
      holder.hold(tag, n);
    }
  }

  /**
   * Returns true if a nonce seen before was given back by this context: released (the entry is
   * consumed), or released within the hand-back wait. Call only holding this monitor.
   */
  private boolean returned(Envelope.Nonce n) throws Envelope.Rejected {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDBACK_WAIT_MILLIS);
    while (true) {
      if (released.remove(n)) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || !heldOpen(n)) {
        return false;
      }
      waiters++;
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Envelope.Rejected("interrupted while waiting to tell a redelivery from a replay");
      } finally {
        waiters--;
      }
    }
  }

  /** Returns true if an open holder holds the nonce. Call only holding this monitor. */
  private boolean heldOpen(Envelope.Nonce n) {
    for (Holder h : holders) {
      if (h.byTag.containsValue(n)) {
        return true;
      }
    }
    return false;
  }

  /** Adds a nonce to the released ones. Call only holding this monitor. */
  private void release(Envelope.Nonce n) {
    released.add(n);
    if (released.size() > MAX_RELEASED) {
      released.remove(released.iterator().next());
    }
  }

  /** Returns how many released nonces are remembered, for tests. */
  synchronized int released() {
    return released.size();
  }

  /** Returns how many accepts are waiting out a hand-back, for tests. */
  synchronized int waiting() {
    return waiters;
  }

  /**
   * The accepted messages one channel holds unacknowledged. A consumer tells it what becomes of
   * each: {@link #settled}, {@link #released}, or all of them {@link #close() given back}.
   */
  final class Holder {
    private final Map<Long, Envelope.Nonce> byTag = new LinkedHashMap<>(); // guarded by the guard
    private boolean closed; // guarded by the guard

    private Holder() {}

    /** Call only holding the guard's monitor. */
    private void hold(long tag, Envelope.Nonce n) {
      if (closed) {
        release(n); // the channel closed under the delivery: the broker has the message back
      } else {
        byTag.put(tag, n);
      }
    }

    /** The message was acknowledged, or finished with (a copy of it is now a replay). */
    void settled(long tag) {
      synchronized (ReplayGuard.this) {
        if (byTag.remove(tag) != null && waiters > 0) {
          ReplayGuard.this.notifyAll();
        }
      }
    }

    /** The message is about to be nacked or rejected with requeue: call before sending that. */
    void released(long tag) {
      synchronized (ReplayGuard.this) {
        Envelope.Nonce n = byTag.remove(tag);
        if (n != null) {
          release(n);
          if (waiters > 0) {
            ReplayGuard.this.notifyAll();
          }
        }
      }
    }

    /**
     * Releases everything held, for good: the channel closed, or is about to be closed by its owner
     * (call before closing it). Idempotent.
     */
    void close() {
      synchronized (ReplayGuard.this) {
        if (closed) {
          return;
        }
        closed = true;
        holders.remove(this);
        byTag.values().forEach(ReplayGuard.this::release);
        byTag.clear();
        if (waiters > 0) {
          ReplayGuard.this.notifyAll();
        }
      }
    }
  }
}
