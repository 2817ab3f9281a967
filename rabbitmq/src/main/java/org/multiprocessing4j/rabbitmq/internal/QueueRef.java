package org.multiprocessing4j.rabbitmq.internal;

import java.io.InvalidObjectException;
import java.io.Serial;
import java.io.Serializable;
import org.jspecify.annotations.Nullable;

/**
 * The serialized form of a RabbitMQ queue handle: the broker queue's name, kind and maxsize, and
 * the settings to reach the broker — unless it is being sent through the broker itself, where it
 * goes without them (they hold the password and the key) and attaches to the context of the process
 * that receives it.
 *
 * @param name the broker queue's name
 * @param kind which public type to rebuild
 * @param maxsize the queue's maxsize
 * @param settings how to reach the broker, or null when sent through the broker
 */
record QueueRef(String name, Kind kind, int maxsize, @Nullable Settings settings)
    implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /** The public type of a queue. */
  enum Kind {
    QUEUE,
    JOINABLE,
    SIMPLE,
    LOCK,
    SEMAPHORE,
    BOUNDED_SEMAPHORE,
    EVENT
  }

  static QueueRef of(BrokerQueue core, Kind kind) {
    return new QueueRef(
        core.name, kind, core.maxsize, Codec.overBroker() ? null : core.context.settings);
  }

  @Serial
  private Object readResolve() throws InvalidObjectException {
    Settings s = settings;
    RabbitContextImpl context = s != null ? RabbitContexts.attach(s) : Codec.decodingContext();
    if (context == null) {
      throw new InvalidObjectException(
          "a RabbitMQ queue handle without broker settings can only be read by a RabbitMQ queue");
    }
    switch (kind) {
      case LOCK -> {
        return new RabbitLock(new TokenQueue(context, name));
      }
      case SEMAPHORE, BOUNDED_SEMAPHORE -> {
        return new RabbitSemaphore(new TokenQueue(context, name), kind == Kind.BOUNDED_SEMAPHORE);
      }
      case EVENT -> {
        return new RabbitEvent(context, name);
      }
      default -> {}
    }
    BrokerQueue core = new BrokerQueue(context, name, kind == Kind.JOINABLE, maxsize);
    context.track(core);
    return switch (kind) {
      case QUEUE -> new RabbitProcessQueue<>(core);
      case JOINABLE -> new RabbitJoinableQueue<>(core);
      default -> new RabbitSimpleQueue<>(core);
    };
  }
}
