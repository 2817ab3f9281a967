package org.multiprocessing4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.multiprocessing4j.internal.sync.EventCount;
import org.multiprocessing4j.internal.sync.HeavyFence;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The asymmetric handshake under {@code BiasedLock} and the queues' asymmetric event counts: a fast
 * side that stores, then loads with only a compiler barrier between, against a slow side that
 * stores, runs {@link HeavyFence#heavy()} ({@code membarrier(2)}), then loads. Without the heavy
 * fence this is the store-buffering litmus test, whose "both saw 0" x86 allows (see {@link
 * WithoutTheHeavyFence}); with it, that outcome is forbidden. Where {@code membarrier} does not
 * work, {@link HeavyFence#heavy()} does nothing and nothing relies on it: these tests then report
 * the forbidden outcome, which is the point (run them where the library uses the bias).
 */
public final class HeavyFenceTests {

  private HeavyFenceTests() {}

  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  /** Fast side's flag at 0, slow side's at 64, an event count at 128. */
  private static final SharedSlices SLICES = new SharedSlices(192);

  static {
    HeavyFence.registerThisProcess(); // the fast side's process must be registered
  }

  /** Two flags in shared memory. */
  abstract static class Flags {
    final MemorySegment m = SLICES.next();

    /** The fast side: a store, a compiler barrier, a load (as {@code BiasedLock}'s lock). */
    final int fast() {
      INT.set(m, 0L, 1);
      VarHandle.acquireFence();
      return (int) INT.getAcquire(m, 64L);
    }
  }

  /** The handshake: one side must see the other. */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both saw the other")
  @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the slow side saw the fast side's flag")
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the fast side saw the slow side's flag")
  @Outcome(
      id = "0, 0",
      expect = FORBIDDEN,
      desc = "neither saw the other: a biased holder and its revoker both inside")
  @State
  public static class Handshake extends Flags {
    @Actor
    public void fastSide(II_Result r) {
      r.r1 = fast();
    }

    @Actor
    public void slowSide(II_Result r) {
      INT.setVolatile(m, 64L, 1);
      HeavyFence.heavy();
      r.r2 = (int) INT.getAcquire(m, 0L);
    }
  }

  /**
   * The control: the same without the heavy fence, where the processor may let each load pass its
   * store. Seeing "0, 0" here shows that the test can catch what {@link Handshake} forbids.
   */
  @JCStressTest
  @Outcome(
      id = {"1, 1", "0, 1", "1, 0"},
      expect = ACCEPTABLE,
      desc = "one saw the other")
  @Outcome(
      id = "0, 0",
      expect = ACCEPTABLE_INTERESTING,
      desc = "store buffering: what the heavy fence is for")
  @State
  public static class WithoutTheHeavyFence extends Flags {
    @Actor
    public void fastSide(II_Result r) {
      r.r1 = fast();
    }

    @Actor
    public void slowSide(II_Result r) {
      INT.set(m, 64L, 1);
      VarHandle.acquireFence();
      r.r2 = (int) INT.getAcquire(m, 0L);
    }
  }

  /**
   * An asymmetric event count: the signaller makes its condition true with a release store and
   * signals with no fence between (a biased lock holder's put), the waiter announces itself, runs
   * the heavy fence, and checks. The forbidden outcome is the lost wake-up.
   */
  @JCStressTest
  @Outcome(id = "true, true", expect = ACCEPTABLE, desc = "both saw the other")
  @Outcome(id = "true, false", expect = ACCEPTABLE, desc = "the signaller ran first")
  @Outcome(id = "false, true", expect = ACCEPTABLE, desc = "the waiter announced first")
  @Outcome(
      id = "false, false",
      expect = FORBIDDEN,
      desc = "lost wake-up: the waiter would sleep on a condition already true")
  @State
  public static class AsymmetricEventCount extends Flags {
    final EventCount event = new EventCount(m, 128L);

    @Actor
    public void waiter(ZZ_Result r) {
      event.announceWaiter();
      HeavyFence.heavy();
      r.r1 = (int) INT.getAcquire(m, 64L) != 0;
    }

    @Actor
    public void signaller(ZZ_Result r) {
      INT.setRelease(m, 64L, 1);
      r.r2 = event.signalAll();
    }
  }
}
