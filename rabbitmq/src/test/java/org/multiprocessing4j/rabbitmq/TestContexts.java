package org.multiprocessing4j.rabbitmq;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Base of the tests that use a context on the run's broker: one fresh context per test. */
@ExtendWith(RabbitBroker.class)
abstract class TestContexts {
  static final byte[] KEY = "test-key-of-the-rabbitmq-suite!!".getBytes(StandardCharsets.UTF_8);

  /** The test's context, closed after it (its queues deleted, its processes killed). */
  RabbitContext ctx;

  static RabbitContext open(RabbitBroker.Broker broker) {
    return open(broker.uri());
  }

  /** Opens a context whose queues are quorum queues, in a namespace of its own. */
  static RabbitContext quorum(RabbitBroker.Broker broker) {
    return RabbitContext.builder()
        .uri(broker.uri())
        .authKey(KEY)
        .namespace("mp4j-quorum")
        .quorumQueues(true)
        .build();
  }

  /** Opens a context like the test's, on the broker at {@code uri} (for use in a child JVM). */
  static RabbitContext open(String uri) {
    return RabbitContext.builder().uri(uri).authKey(KEY).namespace("mp4j-test").build();
  }

  @BeforeEach
  final void openContext(RabbitBroker.Broker broker) {
    ctx = open(broker);
  }

  @AfterEach
  final void closeContext() {
    if (ctx != null) {
      ctx.close();
    }
  }
}
