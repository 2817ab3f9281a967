package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadsShareTest {

  @Test
  void run_threadSetsNToZero_mainThreadSeesZero() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new ThreadsShare().run(out.stream());

    assertThat(out.lines())
        .containsExactly("main thread: n = 100 before the thread runs", "main thread: n = 0");
    assertThat(outcome).isEqualTo(Outcome.of(true, "after join the main thread reads n = 0"));
  }
}
