package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.ProcessEvent;

/**
 * {@link ProcessEvent} as a broker queue that holds at most one message ({@code x-max-length 1},
 * the default drop-head overflow): set publishes the flag, clear purges the queue, and the event is
 * set while the queue holds the message. Waiters poll the queue's message count (1 ms doubling to
 * 50 ms), so a set is seen within about 50 ms. Serializes as a {@link QueueRef}.
 */
public final class RabbitEvent implements ProcessEvent, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient RabbitContextImpl context;
  private final transient String name;

  RabbitEvent(RabbitContextImpl context, String name) {
    this.context = context;
    this.name = name;
  }

  static RabbitEvent create(RabbitContextImpl context, String name) {
    context.admin(
        ch ->
            ch.queueDeclare(
                name,
                true,
                false,
                false,
                Map.of("x-queue-type", (Object) "classic", "x-max-length", (Object) 1)));
    return new RabbitEvent(context, name);
  }

  @Serial
  Object writeReplace() {
    return new QueueRef(name, QueueRef.Kind.EVENT, 0, Codec.overBroker() ? null : context.settings);
  }

  @Override
  public boolean isSet() {
    context.ensureOpen();
    return context.admin(ch -> ch.queueDeclarePassive(name).getMessageCount()) > 0;
  }

  @Override
  public void set() {
    context.ensureOpen();
    context.publisher.publish(name, new byte[] {1}, true); // confirmed: set when this returns
  }

  @Override
  public void clear() {
    context.ensureOpen();
    context.admin(ch -> ch.queuePurge(name));
  }

  @Override
  public void await() throws InterruptedException {
    await(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    long n = unit.toNanos(timeout);
    return Backoff.until(this::isSet, n == Long.MAX_VALUE ? Backoff.FOREVER : Math.max(0, n), 50);
  }

  @Override
  public String toString() {
    return "RabbitEvent[" + name + "]";
  }
}
