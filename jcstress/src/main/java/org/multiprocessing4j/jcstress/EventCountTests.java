package org.multiprocessing4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.multiprocessing4j.internal.sync.EventCount;
import org.multiprocessing4j.internal.sync.Waiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The {@link EventCount}'s check-then-wait: a waiter announces itself (sets the waiters bit with a
 * compareAndSet) and then checks its condition; a signaller makes the condition true and then looks
 * for the waiters bit. In every interleaving one of them must see the other, or the waiter sleeps
 * through the signal (a lost wake-up: it would then sleep until its futex slice ends).
 */
public final class EventCountTests {

  private EventCountTests() {}

  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  /** Event count word at 0; condition word at 64; data at 128 and 192. */
  private static final SharedSlices SLICES = new SharedSlices(256);

  private static final long CONDITION = 64;
  private static final long X = 128;
  private static final long Y = 192;

  /** One event count, its condition and data in shared memory. */
  abstract static class EventState {
    final MemorySegment m = SLICES.next();
    final EventCount event = new EventCount(m, 0);

    final boolean condition() {
      return (int) INT.getVolatile(m, CONDITION) != 0;
    }

    final void makeTrue() {
      INT.setVolatile(m, CONDITION, 1);
    }
  }

  /**
   * The protocol's two halves against each other (Dekker's pattern): the waiter's announce then
   * check, the signaller's write then {@code signalAll}. The forbidden outcome is the lost wake-up.
   */
  @JCStressTest
  @Outcome(
      id = "true, true",
      expect = ACCEPTABLE,
      desc = "the waiter saw the condition, and the signaller saw the waiter")
  @Outcome(
      id = "true, false",
      expect = ACCEPTABLE,
      desc = "the signaller ran first: the waiter sees the condition and does not sleep")
  @Outcome(
      id = "false, true",
      expect = ACCEPTABLE,
      desc = "the waiter announced first: the signaller bumps the word and wakes it")
  @Outcome(
      id = "false, false",
      expect = FORBIDDEN,
      desc = "lost wake-up: the waiter would sleep on a condition already true")
  @State
  public static class NoLostWakeup extends EventState {
    @Actor
    public void waiter(ZZ_Result r) {
      event.announceWaiter();
      r.r1 = condition();
    }

    @Actor
    public void signaller(ZZ_Result r) {
      makeTrue();
      r.r2 = event.signalAll();
    }
  }

  /**
   * A full {@code await} against a writer that sets plain data, makes the condition true and
   * signals: the waiter, once woken, must see the data written before the condition.
   */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the woken waiter sees both writes")
  @Outcome(
      id = {"0, 0", "0, 1", "1, 0"},
      expect = FORBIDDEN,
      desc = "the waiter returned without seeing data written before the signal")
  @State
  public static class AwaitSeesDataWrittenBeforeSignal extends EventState {
    @Actor
    public void waiter(JJ_Result r) {
      try {
        if (!event.await(this::condition, Waiting.FOREVER)) {
          throw new AssertionError("an await without a timeout timed out");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      r.r1 = m.get(ValueLayout.JAVA_LONG, Y);
      r.r2 = m.get(ValueLayout.JAVA_LONG, X);
    }

    @Actor
    public void signaller() {
      m.set(ValueLayout.JAVA_LONG, X, 1);
      m.set(ValueLayout.JAVA_LONG, Y, 1);
      makeTrue();
      event.signalAll();
    }
  }
}
