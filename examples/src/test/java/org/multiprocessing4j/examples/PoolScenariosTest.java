package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pool scenarios of SCENARIOS.md, run for real. */
class PoolScenariosTest {

  private static Outcome run(Scenario s, CapturedOutput out) throws Exception {
    Outcome outcome = s.run(out.stream());
    assertThat(outcome.passed()).as(outcome.observed() + "\n" + out.text()).isTrue();
    return outcome;
  }

  @Test
  void processPool_atMostFourWorkerPids_shutdownWaitsForAll() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new ProcessPool(), out);
    assertThat(o.observed()).contains("10 tasks ran", "(not the main pid)", "after every task");
  }

  @Test
  void threadPool_onePid_sameProgramOneLineChanged() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new ThreadPoolScenario(), out);
    assertThat(o.observed()).contains("10 tasks ran on 1 distinct pid(s) (the main pid)");
  }

  @Test
  void futures_mapInOrder_resultTimesOut_callbacksOncePerFuture() throws Exception {
    CapturedOutput out = new CapturedOutput();
    Outcome o = run(new Futures(), out);
    assertThat(o.observed()).contains("in input order", "raised a timeout", "6 callbacks for 6");
    assertThat(out.text()).contains("map(timeout=60 s, chunksize=3): [0, 1, 4, 9, 16, 25, 36");
  }
}
