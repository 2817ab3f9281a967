package org.multiprocessing4j.cli;

import java.io.PrintStream;
import org.multiprocessing4j.examples.Outcome;
import org.multiprocessing4j.examples.Scenario;

/** A scenario with a fixed outcome, or one that throws, for testing the commands alone. */
final class StubScenario extends Scenario {

  enum Behaviour {
    PASS,
    FAIL,
    THROW
  }

  private final Behaviour behaviour;

  StubScenario(String id, Behaviour behaviour) {
    this(id, behaviour, "Stub that does " + behaviour);
  }

  StubScenario(String id, Behaviour behaviour, String title) {
    super(id, "test", title, "stub expects " + id);
    this.behaviour = behaviour;
  }

  @Override
  public Outcome run(PrintStream out) {
    out.println(id() + " output line");
    return switch (behaviour) {
      case PASS -> Outcome.of(true, id() + " observed fine");
      case FAIL -> Outcome.of(false, id() + " observed wrong");
      case THROW -> throw new IllegalStateException("boom in " + id());
    };
  }
}
