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

  /**
   * Refuses settings whose TLS needs the builder's {@code SSLContext}, which cannot travel: the
   * receiving process could not connect. Runs when the handle is written (its writeReplace makes
   * this record) and when it is read.
   */
  QueueRef {
    if (settings != null && settings.customSslContext()) {
      throw new IllegalStateException(CUSTOM_SSL_CONTEXT_STAYS);
    }
  }

  static final String CUSTOM_SSL_CONTEXT_STAYS =
      "a handle of a RabbitMQ context built with sslContext(...) cannot go to another process"
          + " with the settings to connect (captured by a process target, sent through a local"
          + " queue): an SSLContext cannot travel, so that process could not reach the broker."
          + " Build the context with tls(true) or an amqps:// URI and the JVM's trust store"
          + " instead (-Djavax.net.ssl.trustStore=...; child JVMs get it through JAVA_TOOL_OPTIONS"
          + " in their environment), or send the handle through a queue of this context, where it"
          + " attaches to the receiving process's own context";

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
