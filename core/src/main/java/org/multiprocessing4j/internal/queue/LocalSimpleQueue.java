package org.multiprocessing4j.internal.queue;

import java.io.Serial;
import java.io.Serializable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * {@link SimpleQueue} over a shared-memory ring. Serializes as a {@link QueueRef}.
 *
 * @param <E> the type of the items
 */
public final class LocalSimpleQueue<E extends @Nullable Object>
    implements SimpleQueue<E>, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient QueueCore core;

  LocalSimpleQueue(QueueCore core) {
    this.core = core;
  }

  @Serial
  private Object writeReplace() {
    return new QueueRef(core.name(), QueueRef.Kind.SIMPLE, core.codec());
  }

  @Override
  public void put(E item) throws InterruptedException {
    core.put(item, Waiting.FOREVER, true);
  }

  @Override
  // The queue holds E by contract, and E may be nullable: neither can the checkers see.
  @SuppressWarnings({"unchecked", "NullAway"})
  public E get() throws InterruptedException {
    return (E) core.get(Waiting.FOREVER, true);
  }

  @Override
  public boolean empty() {
    return core.isEmpty();
  }

  @Override
  public void close() {
    core.close();
  }

  /** Two handles are equal when they stand for the same queue. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LocalSimpleQueue<?> q && q.core.name().equals(core.name());
  }

  @Override
  public int hashCode() {
    return core.name().hashCode();
  }

  @Override
  public String toString() {
    return "LocalSimpleQueue[" + core.name() + "]";
  }
}
