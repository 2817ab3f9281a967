package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueEmptyException;
import org.multiprocessing4j.QueueFullException;

/**
 * {@link ProcessQueue} kept in a broker queue. Serializes as a {@link QueueRef}.
 *
 * <p>What the broker cannot do: look at the head without taking it, so {@link #peek()}, {@link
 * #element()} and {@link #iterator()} (and the collection methods built on it) throw {@link
 * UnsupportedOperationException}; and count items delivered to consumers but not yet taken by a
 * thread, so {@link #qsize()} counts only items the broker holds ready.
 *
 * @param <E> the type of the items
 */
public class RabbitProcessQueue<E> extends AbstractQueue<E>
    implements ProcessQueue<E>, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  final transient BrokerQueue core;

  RabbitProcessQueue(BrokerQueue core) {
    this.core = core;
  }

  QueueRef.Kind kind() {
    return QueueRef.Kind.QUEUE;
  }

  @Serial
  final Object writeReplace() {
    return QueueRef.of(core, kind());
  }

  static long nanos(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
        ? BrokerQueue.FOREVER
        : timeout.toNanos();
  }

  private static long nanos(long time, TimeUnit unit) {
    long n = unit.toNanos(time);
    return n == Long.MAX_VALUE ? BrokerQueue.FOREVER : Math.max(0, n);
  }

  @SuppressWarnings("unchecked") // the queue holds E by contract; decoding cannot check it
  private E cast(@Nullable Object o) {
    return (E) Objects.requireNonNull(o, "a null item in a ProcessQueue");
  }

  private String fullMessage() {
    return "queue " + core.name + " is full (maxsize " + core.maxsize + ")";
  }

  // ------------------------------------------------------------------------------------- insert

  @Override
  public void put(E item) throws InterruptedException {
    core.put(Objects.requireNonNull(item, "item"), BrokerQueue.FOREVER);
  }

  @Override
  public void put(E item, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(item, "item");
    if (!core.put(item, nanos(timeout))) {
      throw new QueueFullException(fullMessage() + " and stayed full for " + timeout);
    }
  }

  @Override
  public boolean offer(E item, long timeout, TimeUnit unit) throws InterruptedException {
    return core.put(Objects.requireNonNull(item, "item"), nanos(timeout, unit));
  }

  @Override
  public boolean offer(E item) {
    Objects.requireNonNull(item, "item");
    try {
      return core.put(item, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while offering to queue " + core.name, e);
    }
  }

  @Override
  public void putNowait(E item) {
    if (!offer(item)) {
      throw new QueueFullException(fullMessage());
    }
  }

  @Override
  public boolean add(E item) {
    putNowait(item);
    return true;
  }

  // ------------------------------------------------------------------------------------- remove

  @Override
  public E take() throws InterruptedException {
    return cast(core.get(BrokerQueue.FOREVER));
  }

  @Override
  public E get() throws InterruptedException {
    return take();
  }

  @Override
  public E get(Duration timeout) throws InterruptedException {
    Object o = core.get(nanos(timeout));
    if (o == BrokerQueue.NONE) {
      throw new QueueEmptyException("queue " + core.name + " stayed empty for " + timeout);
    }
    return cast(o);
  }

  @Override
  public @Nullable E poll(long timeout, TimeUnit unit) throws InterruptedException {
    Object o = core.get(nanos(timeout, unit));
    return o == BrokerQueue.NONE ? null : cast(o);
  }

  @Override
  public @Nullable E poll() {
    try {
      Object o = core.get(0);
      return o == BrokerQueue.NONE ? null : cast(o);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while polling queue " + core.name, e);
    }
  }

  @Override
  public E getNowait() {
    E item = poll();
    if (item == null) {
      throw new QueueEmptyException("queue " + core.name + " is empty");
    }
    return item;
  }

  @Override
  public E remove() {
    return getNowait();
  }

  /** Unsupported: a broker queue cannot show its head without handing it out. */
  @Override
  public @Nullable E peek() {
    throw new UnsupportedOperationException(
        "a RabbitMQ queue cannot show its head without taking it; use poll()");
  }

  /** Unsupported: a broker queue cannot show its items without handing them out. */
  @Override
  public Iterator<E> iterator() {
    throw new UnsupportedOperationException(
        "a RabbitMQ queue cannot list its items without taking them; use poll() or drainTo");
  }

  // -------------------------------------------------------------------------------------- state

  @Override
  public int size() {
    return qsize();
  }

  @Override
  public int qsize() {
    return (int) Math.min(Integer.MAX_VALUE, core.size());
  }

  @Override
  public boolean isEmpty() {
    return empty();
  }

  @Override
  public boolean empty() {
    return core.size() == 0;
  }

  @Override
  public boolean full() {
    return core.maxsize > 0 && core.size() >= core.maxsize;
  }

  @Override
  public int maxsize() {
    return core.maxsize;
  }

  @Override
  public int remainingCapacity() {
    return core.maxsize == 0 ? Integer.MAX_VALUE : (int) Math.max(0, core.maxsize - core.size());
  }

  @Override
  public void close() {
    core.close();
  }

  @Override
  public void joinThread() {}

  @Override
  public void cancelJoinThread() {}

  /** Two handles are equal when they stand for the same broker queue. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RabbitProcessQueue<?> q
        && q.kind() == kind()
        && q.core.name.equals(core.name);
  }

  @Override
  public int hashCode() {
    return core.name.hashCode();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + core.name + "]";
  }
}
