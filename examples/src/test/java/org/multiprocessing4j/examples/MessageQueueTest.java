package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * The message-queue scenario on a real broker: the one of {@code MP4J_AMQP_URI} in CI, or a private
 * one the scenario starts when {@code rabbitmq-server} is installed. Without a broker the runs on
 * it are skipped (failed when {@code MP4J_REQUIRE_BROKER=1}), and the scenario says how to get one.
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

  /**
   * Backs the claim that only the context line differs from the local program: the scenario's
   * program, unchanged, passes the same judgement on {@code Multiprocessing.local()} and on a
   * {@code RabbitContext}.
   */
  @Test
  void program_onTheLocalContextAndOnARabbitContext_bothPass() throws Exception {
    CapturedOutput localOut = new CapturedOutput();
    Outcome local =
        MessageQueue.judge(MessageQueue.Program.run(Multiprocessing.local(), localOut.stream()));
    assertThat(local.passed()).as(local.observed() + "\n" + localOut.text()).isTrue();
    assertThat(local.observed()).contains("10 of 10 buns eaten, each once");

    CapturedOutput out = new CapturedOutput();
    try (DemoBroker broker = DemoBroker.find(out.stream())) {
      String uri = broker.uri();
      if (uri == null) {
        if ("1".equals(System.getenv("MP4J_REQUIRE_BROKER"))) {
          throw new AssertionError("MP4J_REQUIRE_BROKER=1 but no broker: " + broker.problem());
        }
        Assumptions.abort("no RabbitMQ broker: " + broker.problem());
        return;
      }
      Outcome rabbit;
      try (RabbitContext ctx =
          RabbitContext.builder()
              .uri(uri)
              .authKey("message-queue-test-key-32-bytes!")
              .namespace("mp4j-example-test")
              .build()) {
        rabbit = MessageQueue.judge(MessageQueue.Program.run(ctx, out.stream()));
      }
      assertThat(rabbit.passed()).as(rabbit.observed() + "\n" + out.text()).isTrue();
      assertThat(rabbit.observed()).contains("10 of 10 buns eaten, each once");
    }
  }
}
