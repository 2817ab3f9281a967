package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.ProcessCondition;
import org.multiprocessing4j.ProcessLock;

/**
 * {@link ProcessLock} over a {@link TokenQueue} with one token. The holder is a thread; the broker
 * gives the token back when the holder's process dies, and the next holder then sees {@link
 * #ownerDied()}. Serializes as a {@link QueueRef}.
 */
public final class RabbitLock implements ProcessLock, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  final transient TokenQueue tokens;
  private final transient Map<Thread, TokenQueue.Token> held = new ConcurrentHashMap<>();

  RabbitLock(TokenQueue tokens) {
    this.tokens = tokens;
  }

  @Serial
  Object writeReplace() {
    return new QueueRef(
        tokens.name, QueueRef.Kind.LOCK, 1, Codec.overBroker() ? null : tokens.context.settings);
  }

  private boolean acquired(TokenQueue.@Nullable Token t) {
    if (t == null) {
      return false;
    }
    held.put(Thread.currentThread(), t);
    return true;
  }

  private void checkNotHeld() {
    if (held.containsKey(Thread.currentThread())) {
      throw new IllegalStateException(
          "this thread already holds lock " + tokens.name + ": it is not reentrant");
    }
  }

  @Override
  public void lock() {
    checkNotHeld();
    try {
      acquired(tokens.take(BrokerQueue.FOREVER, false));
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible wait interrupted", e);
    }
  }

  @Override
  public void lockInterruptibly() throws InterruptedException {
    checkNotHeld();
    acquired(tokens.take(BrokerQueue.FOREVER, true));
  }

  @Override
  public boolean tryLock() {
    checkNotHeld();
    return acquired(tokens.tryTake());
  }

  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    checkNotHeld();
    long n = unit.toNanos(time);
    return acquired(tokens.take(n == Long.MAX_VALUE ? BrokerQueue.FOREVER : Math.max(0, n), true));
  }

  @Override
  public void unlock() {
    TokenQueue.Token t = held.remove(Thread.currentThread());
    if (t == null) {
      throw new IllegalMonitorStateException("lock " + tokens.name + " is not held by this thread");
    }
    if (!tokens.giveBack(t)) {
      throw new IllegalMonitorStateException(tokens.lostMessage("lock", t));
    }
  }

  @Override
  public ProcessCondition newCondition() {
    throw new UnsupportedOperationException("conditions have no RabbitMQ form yet");
  }

  @Override
  public Held hold() {
    lock();
    boolean died = ownerDied();
    return new Held() {
      private boolean closed;

      @Override
      public boolean ownerDied() {
        return died;
      }

      @Override
      public void close() {
        if (!closed) {
          unlock();
          closed = true;
        }
      }
    };
  }

  @Override
  public boolean ownerDied() {
    TokenQueue.Token t = held.get(Thread.currentThread());
    return t != null && t.died;
  }

  @Override
  public void markConsistent() {
    TokenQueue.Token t = held.get(Thread.currentThread());
    if (t == null) {
      throw new IllegalMonitorStateException("lock " + tokens.name + " is not held by this thread");
    }
    t.died = false;
  }

  @Override
  public boolean isLocked() {
    return tokens.free() == 0;
  }

  @Override
  public boolean isHeldByCurrentThread() {
    TokenQueue.Token t = held.get(Thread.currentThread());
    return t != null && !tokens.isLost(t);
  }

  @Override
  public String toString() {
    return "RabbitLock[" + tokens.name + "]";
  }
}
