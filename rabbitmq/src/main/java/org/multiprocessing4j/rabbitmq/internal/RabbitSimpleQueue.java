package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.SimpleQueue;

/**
 * {@link SimpleQueue} kept in the broker; null items travel as such. Serializes as a {@link
 * QueueRef}.
 *
 * @param <E> the type of the items
 */
public final class RabbitSimpleQueue<E extends @Nullable Object>
    implements SimpleQueue<E>, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient BrokerQueue core;

  RabbitSimpleQueue(BrokerQueue core) {
    this.core = core;
  }

  @Serial
  Object writeReplace() {
    return QueueRef.of(core, QueueRef.Kind.SIMPLE);
  }

  @Override
  public void put(E item) throws InterruptedException {
    core.put(item, BrokerQueue.FOREVER);
  }

  @Override
  @SuppressWarnings({"unchecked", "NullAway"}) // the queue holds E (maybe null) by contract
  public E get() throws InterruptedException {
    return (E) core.get(BrokerQueue.FOREVER);
  }

  @Override
  public boolean empty() {
    return core.size() == 0;
  }

  @Override
  public void close() {
    core.close();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RabbitSimpleQueue<?> q && q.core.name.equals(core.name);
  }

  @Override
  public int hashCode() {
    return core.name.hashCode();
  }

  @Override
  public String toString() {
    return "RabbitSimpleQueue[" + core.name + "]";
  }
}
