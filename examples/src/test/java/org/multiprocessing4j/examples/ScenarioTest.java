package org.multiprocessing4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ScenarioTest {

  private static final class Fixed extends Scenario {
    private final boolean passes;

    Fixed(boolean passes) {
      super("fixed-outcome", "test", "A scenario with a fixed outcome", "whatever it returns");
      this.passes = passes;
    }

    @Override
    public Outcome run(PrintStream out) {
      out.println("program output");
      return Outcome.of(passes, "returned " + passes);
    }
  }

  private static final class Throwing extends Scenario {
    Throwing() {
      super("throwing", "test", "A scenario that throws", "nothing");
    }

    @Override
    public Outcome run(PrintStream out) {
      throw new IllegalStateException("boom\nsecond line");
    }
  }

  @Test
  void runReported_passingRun_printsHeaderOutputObservedAndPass() {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new Fixed(true).runReported(out.stream());

    assertThat(outcome).isEqualTo(new Outcome("returned true", true));
    assertThat(out.lines())
        .containsExactly(
            "== fixed-outcome: A scenario with a fixed outcome (tutorial: test)",
            "expected: whatever it returns",
            "",
            "program output",
            "",
            "observed: returned true",
            "PASS");
  }

  @Test
  void runReported_failingRun_printsFail() {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new Fixed(false).runReported(out.stream());

    assertThat(outcome.passed()).isFalse();
    assertThat(out.lines()).endsWith("observed: returned false", "FAIL");
  }

  @Test
  void runReported_runThrows_failsNamingTheException() {
    CapturedOutput out = new CapturedOutput();

    Outcome outcome = new Throwing().runReported(out.stream());

    assertThat(outcome).isEqualTo(new Outcome("threw IllegalStateException: boom", false));
    assertThat(out.text()).contains("java.lang.IllegalStateException: boom");
    assertThat(out.lines()).endsWith("FAIL");
  }

  @Test
  void constructor_idNotHyphenatedLowerCase_throws() {
    assertThatThrownBy(
            () ->
                new Scenario("Threads_Start", "s", "t", "e") {
                  @Override
                  public Outcome run(PrintStream out) {
                    return Outcome.of(true, "x");
                  }
                })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Threads_Start");
  }

  @Test
  void outcome_observedOnSeveralLines_throws() {
    assertThatThrownBy(() -> Outcome.of(true, "one\ntwo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one non-blank line");
  }
}
