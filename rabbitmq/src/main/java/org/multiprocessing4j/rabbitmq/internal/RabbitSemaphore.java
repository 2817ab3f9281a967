package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.ProcessSemaphore;

/**
 * {@link ProcessSemaphore} over a {@link TokenQueue} of permits. Permits taken by this process
 * belong to the process (any of its threads may release them), and return to the broker by
 * themselves if it dies. A release when this process holds no permit adds a new one, as Python's
 * unbounded semaphore does; a bounded one refuses it. Serializes as a {@link QueueRef}.
 */
public final class RabbitSemaphore implements ProcessSemaphore, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  final transient TokenQueue tokens;
  private final transient boolean bounded;
  private final transient ConcurrentLinkedDeque<TokenQueue.Token> held =
      new ConcurrentLinkedDeque<>();

  RabbitSemaphore(TokenQueue tokens, boolean bounded) {
    this.tokens = tokens;
    this.bounded = bounded;
  }

  @Serial
  Object writeReplace() {
    return new QueueRef(
        tokens.name,
        bounded ? QueueRef.Kind.BOUNDED_SEMAPHORE : QueueRef.Kind.SEMAPHORE,
        0,
        Codec.overBroker() ? null : tokens.context.settings);
  }

  private boolean acquired(TokenQueue.@Nullable Token t) {
    if (t == null) {
      return false;
    }
    held.push(t);
    return true;
  }

  @Override
  public boolean acquire() throws InterruptedException {
    return acquired(tokens.take(BrokerQueue.FOREVER, true));
  }

  @Override
  public void acquireUninterruptibly() {
    try {
      acquired(tokens.take(BrokerQueue.FOREVER, false));
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible wait interrupted", e);
    }
  }

  @Override
  public boolean tryAcquire() {
    return acquired(tokens.tryTake());
  }

  @Override
  public boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
    long n = unit.toNanos(timeout);
    return acquired(tokens.take(n == Long.MAX_VALUE ? BrokerQueue.FOREVER : Math.max(0, n), true));
  }

  @Override
  public Held hold() {
    acquireUninterruptibly();
    return new Held() {
      private boolean closed;

      @Override
      public boolean ownerDied() {
        return false;
      }

      @Override
      public void close() {
        if (!closed) {
          release();
          closed = true;
        }
      }
    };
  }

  @Override
  public void release() {
    TokenQueue.Token t = held.poll();
    if (t != null) {
      t.died = false;
      if (!tokens.giveBack(t)) {
        throw new IllegalStateException(tokens.lostMessage("a permit of semaphore", t));
      }
    } else if (bounded) {
      throw new IllegalStateException(
          "bounded semaphore "
              + tokens.name
              + " released more times than this process acquired it (a RabbitMQ bounded"
              + " semaphore can only be released by a process that holds a permit)");
    } else {
      tokens.add();
    }
  }

  @Override
  public void release(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("cannot release a negative number of permits: " + n);
    }
    for (int i = 0; i < n; i++) {
      release();
    }
  }

  @Override
  public int availablePermits() {
    return tokens.free();
  }

  @Override
  public boolean isBounded() {
    return bounded;
  }

  @Override
  public String toString() {
    return "RabbitSemaphore[" + tokens.name + "]";
  }
}
