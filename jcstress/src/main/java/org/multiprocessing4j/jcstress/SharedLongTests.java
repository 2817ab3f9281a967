package org.multiprocessing4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicLong;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.SharedLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.ZZJ_Result;

/**
 * {@link SharedLong}'s atomic updates ({@code addAndGet}, {@code compareAndSet}), the public class
 * over its word in a context's shared-memory heap. A context's heap never frees, so the states take
 * their counters from a pool made once per JVM, in turn, each set back to 0 when it comes round
 * (the pool is far larger than the batch of states jcstress keeps alive).
 */
public final class SharedLongTests {

  private SharedLongTests() {}

  private static final int POOL = SharedSlices.SLOTS;
  private static final SharedLong[] COUNTERS = new SharedLong[POOL];
  private static final AtomicLong NEXT = new AtomicLong();

  static {
    MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    for (int i = 0; i < POOL; i++) {
      COUNTERS[i] = ctx.sharedLong(0);
    }
    // The context is closed by its exit hook when the forked JVM ends.
  }

  /** One counter, set to 0. */
  abstract static class CounterState {
    final SharedLong counter = COUNTERS[(int) (NEXT.getAndIncrement() & (POOL - 1))];

    CounterState() {
      counter.set(0);
    }
  }

  /** Two {@code addAndGet(1)}: each sees a distinct value, and none is lost. */
  @JCStressTest
  @Outcome(
      id = {"1, 2, 2", "2, 1, 2"},
      expect = ACCEPTABLE,
      desc = "one increment after the other")
  @Outcome(
      id = {"1, 1, 1", "1, 1, 2"},
      expect = FORBIDDEN,
      desc = "an increment lost or seen twice")
  @State
  public static class AddAndGetLosesNothing extends CounterState {
    @Actor
    public void first(III_Result r) {
      r.r1 = (int) counter.addAndGet(1);
    }

    @Actor
    public void second(III_Result r) {
      r.r2 = (int) counter.addAndGet(1);
    }

    @Arbiter
    public void total(III_Result r) {
      r.r3 = (int) counter.get();
    }
  }

  /** Two {@code compareAndSet(0, n)}: exactly one wins, and the value is the winner's. */
  @JCStressTest
  @Outcome(id = "true, false, 1", expect = ACCEPTABLE, desc = "the first won")
  @Outcome(id = "false, true, 2", expect = ACCEPTABLE, desc = "the second won")
  @Outcome(id = "true, true, .*", expect = FORBIDDEN, desc = "both won")
  @Outcome(id = "false, false, .*", expect = FORBIDDEN, desc = "neither won from 0")
  @Outcome(expect = FORBIDDEN, desc = "the value is not the winner's")
  @State
  public static class CompareAndSetOneWinner extends CounterState {
    @Actor
    public void first(ZZJ_Result r) {
      r.r1 = counter.compareAndSet(0, 1);
    }

    @Actor
    public void second(ZZJ_Result r) {
      r.r2 = counter.compareAndSet(0, 2);
    }

    @Arbiter
    public void value(ZZJ_Result r) {
      r.r3 = counter.get();
    }
  }
}
