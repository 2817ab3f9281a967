package org.multiprocessing4j.rabbitmq.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * Makes contexts, and finds the one a queue handle arriving from another process attaches to: one
 * per settings identity and JVM, so that every handle of a child shares one connection.
 */
public final class RabbitContexts {

  private static final Map<String, RabbitContextImpl> ATTACHED = new ConcurrentHashMap<>();

  private RabbitContexts() {}

  /**
   * Connects a new context that owns the queues it creates, with TLS through {@code ssl}.
   *
   * @param settings the builder's choices
   * @param ssl the builder's SSLContext, or null for the JVM's default one
   * @return the context
   */
  public static RabbitContext create(Settings settings, @Nullable SSLContext ssl) {
    RabbitContextImpl c = new RabbitContextImpl(settings, true, ssl);
    ATTACHED.putIfAbsent(settings.identity(), c);
    return c;
  }

  /** Returns this JVM's context for {@code settings}, connecting one if there is none open. */
  static RabbitContextImpl attach(Settings settings) {
    return ATTACHED.compute(
        settings.identity(),
        (k, c) -> c != null && !c.isClosed() ? c : new RabbitContextImpl(settings, false, null));
  }

  static void forget(RabbitContextImpl c) {
    ATTACHED.remove(c.settings.identity(), c);
  }
}
