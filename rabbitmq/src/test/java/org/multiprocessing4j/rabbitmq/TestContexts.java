package org.multiprocessing4j.rabbitmq;

import java.nio.charset.StandardCharsets;

/** Contexts for tests: a fixed key, a namespace per test class. */
final class TestContexts {
  static final byte[] KEY = "test-key-of-the-rabbitmq-suite!!".getBytes(StandardCharsets.UTF_8);

  private TestContexts() {}

  static RabbitContext open(RabbitBroker.Broker broker) {
    return RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-test").build();
  }
}
