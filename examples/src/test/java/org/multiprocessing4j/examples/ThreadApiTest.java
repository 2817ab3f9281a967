package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ThreadApiTest {

  @Test
  void run_threeThreads_countsMatchWhileRunningAndAfterJoin() throws Exception {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new ThreadApi().run(out.stream());

    assertThat(out.lines())
        .contains(
            "main: is_alive of each: Thread-1=true, Thread-2=true, Thread-3=true",
            "main: active count of their group: 3",
            "main: after join: is_alive of each: renamed-1=false, Thread-2=false, Thread-3=false",
            "main: enumerate: 0 of ours listed; active count of their group: 0");
    assertThat(out.text()).contains("3 of them ours: renamed-1, Thread-2, Thread-3");
    assertThat(outcome.passed()).as(outcome.observed()).isTrue();
  }

  @Test
  void run_eachThreadSeesItselfAsCurrentThread() throws Exception {
    CapturedOutput out = new CapturedOutput();

    new ThreadApi().run(out.stream());

    assertThat(out.lines())
        .contains(
            "Thread-1: current thread is 'Thread-1'",
            "Thread-2: current thread is 'Thread-2'",
            "Thread-3: current thread is 'Thread-3'");
  }

  @Test
  void run_leavesNoThreadBehind() throws Exception {
    new ThreadApi().run(new CapturedOutput().stream());

    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(
            t -> t.getThreadGroup() != null && "thread-api".equals(t.getThreadGroup().getName()));
  }
}
