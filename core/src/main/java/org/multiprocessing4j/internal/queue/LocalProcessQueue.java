package org.multiprocessing4j.internal.queue;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.AbstractQueue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueEmptyException;
import org.multiprocessing4j.QueueFullException;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * {@link ProcessQueue} over a shared-memory ring. Serializes as a {@link QueueRef}.
 *
 * @param <E> the type of the items
 */
public class LocalProcessQueue<E> extends AbstractQueue<E>
    implements ProcessQueue<E>, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  final transient QueueCore core;

  LocalProcessQueue(QueueCore core) {
    this.core = core;
  }

  QueueRef.Kind kind() {
    return QueueRef.Kind.QUEUE;
  }

  /** Not private: a private writeReplace would not apply to the joinable subclass. */
  @Serial
  final Object writeReplace() {
    return new QueueRef(core.name(), kind(), core.codec());
  }

  static long nanos(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
        ? Waiting.FOREVER
        : timeout.toNanos();
  }

  @SuppressWarnings("unchecked") // the queue holds E by contract; decoding cannot check it
  private E cast(@Nullable Object o) {
    return (E) Objects.requireNonNull(o, "a null item in a ProcessQueue");
  }

  // ------------------------------------------------------------------------------------- insert

  @Override
  public boolean offer(E item) {
    Objects.requireNonNull(item, "item");
    try {
      return core.put(item, 0, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible put was interrupted", e);
    }
  }

  @Override
  public boolean offer(E item, long timeout, TimeUnit unit) throws InterruptedException {
    Objects.requireNonNull(item, "item");
    return core.put(item, Math.max(0, unit.toNanos(timeout)), true);
  }

  @Override
  public void put(E item) throws InterruptedException {
    Objects.requireNonNull(item, "item");
    core.put(item, Waiting.FOREVER, true);
  }

  @Override
  public void put(E item, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(item, "item");
    if (!core.put(item, nanos(timeout), true)) {
      throw new QueueFullException(
          "queue " + core.name() + " stayed full for " + timeout + " (maxsize " + maxsize() + ")");
    }
  }

  @Override
  public void putNowait(E item) {
    if (!offer(item)) {
      throw new QueueFullException("queue " + core.name() + " is full (maxsize " + maxsize() + ")");
    }
  }

  @Override
  public boolean add(E item) {
    putNowait(item);
    return true;
  }

  // ------------------------------------------------------------------------------------- remove

  @Override
  public @Nullable E poll() {
    try {
      Object o = core.get(0, false);
      return o == QueueCore.NONE ? null : cast(o);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible get was interrupted", e);
    }
  }

  @Override
  public @Nullable E poll(long timeout, TimeUnit unit) throws InterruptedException {
    Object o = core.get(Math.max(0, unit.toNanos(timeout)), true);
    return o == QueueCore.NONE ? null : cast(o);
  }

  @Override
  public E take() throws InterruptedException {
    return cast(core.get(Waiting.FOREVER, true));
  }

  @Override
  public E get() throws InterruptedException {
    return take();
  }

  @Override
  public E get(Duration timeout) throws InterruptedException {
    Object o = core.get(nanos(timeout), true);
    if (o == QueueCore.NONE) {
      throw new QueueEmptyException("queue " + core.name() + " stayed empty for " + timeout);
    }
    return cast(o);
  }

  @Override
  public E getNowait() {
    E item = poll();
    if (item == null) {
      throw new QueueEmptyException("queue " + core.name() + " is empty");
    }
    return item;
  }

  @Override
  public E remove() {
    return getNowait();
  }

  @Override
  public @Nullable E peek() {
    Object o = core.peek();
    return o == QueueCore.NONE ? null : cast(o);
  }

  @Override
  public E element() {
    E item = peek();
    if (item == null) {
      throw new QueueEmptyException("queue " + core.name() + " is empty");
    }
    return item;
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
    return core.isEmpty();
  }

  @Override
  public boolean full() {
    long max = core.maxItems();
    return max > 0 && core.size() >= max;
  }

  @Override
  public int maxsize() {
    return (int) core.maxItems();
  }

  @Override
  public int remainingCapacity() {
    long max = core.maxItems();
    return max == 0 ? Integer.MAX_VALUE : (int) Math.max(0, max - core.size());
  }

  /**
   * Returns an iterator over a snapshot of the items, head first. It does not support {@code
   * remove}, so neither does {@link #remove(Object)}: items leave a shared queue only from its
   * head.
   */
  @Override
  public Iterator<E> iterator() {
    List<E> items = new ArrayList<>();
    for (Object o : core.snapshot()) {
      if (o != null) {
        items.add(cast(o));
      }
    }
    return Collections.unmodifiableList(items).iterator();
  }

  @Override
  public void close() {
    core.close();
  }

  @Override
  public void joinThread() {}

  @Override
  public void cancelJoinThread() {}

  /** Two handles are equal when they stand for the same queue (in any process, by name). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LocalProcessQueue<?> q
        && q.kind() == kind()
        && q.core.name().equals(core.name());
  }

  @Override
  public int hashCode() {
    return core.name().hashCode();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + core.name() + ", " + qsize() + " items]";
  }
}
