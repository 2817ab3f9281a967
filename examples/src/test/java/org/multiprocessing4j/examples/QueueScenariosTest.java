package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The queue scenarios of SCENARIOS.md (queue-basics, producer-consumer, sentinel, joinable-queue),
 * each run for real: the tutorial's program in a JVM of its own, its children in further JVMs.
 */
class QueueScenariosTest {

  private static Outcome run(Scenario s, CapturedOutput out) throws Exception {
    Outcome outcome = s.run(out.stream());
    assertThat(outcome.passed()).as(outcome.observed() + "\n" + out.text()).isTrue();
    return outcome;
  }

  @Test
  void queueBasics_fullThenEmpty_fifo_blockingAndFullEmptyExceptions() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new QueueBasics(), out);
    assertThat(o.observed()).contains("items back in order");
    assertThat(out.lines())
        .containsSubsequence(
            "  | full() true",
            "  | put(123) still blocked after 500 ms",
            "  | get() hello",
            "  | get() {a=1}",
            "  | get() [3, 3, 3]",
            "  | empty() true",
            "  | get() still blocked after 500 ms");
  }

  @Test
  void producerConsumer_eatenInOrder_consumerWithoutEndSignalNeverEnds() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new ProducerConsumer(), out);
    assertThat(o.observed())
        .contains("made [bun0, bun1, bun2], ate [bun0, bun1, bun2]")
        .contains("consumer still waiting")
        .contains("exit code -15");
  }

  @Test
  void sentinel_everyItemEatenOnce_everyConsumerStops_programExits() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new Sentinel(), out);
    assertThat(o.observed())
        .contains("30 items made, 30 eaten (each exactly once)")
        .contains("2 of 2 consumers stopped")
        .contains("program exit code 0");
  }

  @Test
  void joinableQueue_joinReturnsWhenAllProcessed_extraTaskDoneIsAnError() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new JoinableQueueScenario(), out);
    assertThat(o.observed())
        .contains("6 items made, 6 eaten")
        .contains("the parent's line after the last item")
        .contains("one taskDone() too many threw IllegalStateException");
    assertThat(out.text()).contains("taskDone() called more times than items were put");
  }

  @Test
  void scenarios_listQueueScenariosAfterTickets() {
    assertThat(Scenarios.all().stream().map(Scenario::id).toList())
        .containsSubsequence(
            "tickets",
            "queue-basics",
            "producer-consumer",
            "sentinel",
            "joinable-queue",
            "threads-start");
  }
}
