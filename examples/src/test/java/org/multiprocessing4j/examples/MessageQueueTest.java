package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The message-queue scenario on a real broker: the one of {@code MP4J_AMQP_URI} in CI, or a private
 * one the scenario starts when {@code rabbitmq-server} is installed. Without a broker the test is
 * skipped (failed when {@code MP4J_REQUIRE_BROKER=1}), and the scenario says how to get one.
 */
class MessageQueueTest {

  @Test
  void messageQueue_producersAndConsumersInSeparateProcesses_everyItemOnce() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = new MessageQueue().run(out.stream());
    if (o.observed().startsWith("not run") && !"1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
      assertThat(out.text()).contains("MP4J_BROKER").contains("rabbitmq-server");
      Assumptions.abort(o.observed());
    }
    assertThat(o.passed()).as(o.observed() + "\n" + out.text()).isTrue();
    assertThat(o.observed()).contains("10 of 10 buns eaten, each once");
    assertThat(out.lines()).anyMatch(l -> l.contains("consumer") && l.contains("ate producer 1"));
  }
}
