package org.multiprocessing4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.multiprocessing4j.internal.sync.RobustLock;
import org.multiprocessing4j.internal.sync.Waiting;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.JJ_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The {@link RobustLock}'s acquire (compareAndSet of the owner word) and release (compareAndSet
 * back, then a signal): mutual exclusion between two contenders, and visibility of plain writes
 * made under the lock to the next holder. The lock's word and the data share a slice of a mapped
 * {@code /dev/shm} file; the data sits on other cache lines than the lock word. Threads of one JVM
 * contend for the word exactly as processes do (it names the process, and a thread of the holding
 * process waits like any other contender).
 */
public final class RobustLockTests {

  private RobustLockTests() {}

  /** Lock word at 0; data at 64 and 128 (lines of their own). */
  private static final SharedSlices SLICES = new SharedSlices(256);

  private static final long X = 64;
  private static final long Y = 128;

  /** One lock and its data in shared memory. */
  abstract static class LockState {
    final MemorySegment m = SLICES.next();
    final RobustLock lock = new RobustLock(m, 0);

    final void lock() {
      try {
        if (lock.lock(Waiting.FOREVER) == RobustLock.TIMED_OUT) {
          throw new AssertionError("a lock without a timeout timed out");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    final boolean tryLock() {
      try {
        return lock.lock(0) != RobustLock.TIMED_OUT;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    final long getPlain(long offset) {
      return m.get(ValueLayout.JAVA_LONG, offset);
    }

    final void setPlain(long offset, long value) {
      m.set(ValueLayout.JAVA_LONG, offset, value);
    }
  }

  /**
   * Two contenders each increment a plain counter under the lock. Guards mutual exclusion and the
   * hand-over of the counter from one holder to the next: a lock that let both in, or whose release
   * did not publish the first holder's write, shows a lost update.
   */
  @JCStressTest
  @Outcome(
      id = {"0, 1, 2", "1, 0, 2"},
      expect = ACCEPTABLE,
      desc = "one holder after the other; the second sees the first's increment")
  @Outcome(
      id = "0, 0, 1",
      expect = FORBIDDEN,
      desc = "lost update: both held the lock at once, or the second read a stale counter")
  @State
  public static class MutualExclusion extends LockState {
    @Actor
    public void first(III_Result r) {
      r.r1 = increment();
    }

    @Actor
    public void second(III_Result r) {
      r.r2 = increment();
    }

    /** Increments the counter under the lock; returns the value it had. */
    private int increment() {
      lock();
      long v = getPlain(X);
      setPlain(X, v + 1);
      lock.unlock();
      return (int) v;
    }

    @Arbiter
    public void counter(III_Result r) {
      r.r3 = (int) getPlain(X);
    }
  }

  /**
   * A writer sets two plain fields on different cache lines under the lock; a reader under the lock
   * reads them in the opposite order. Guards the release/acquire pairing: a reader must see both
   * writes or neither.
   */
  @JCStressTest
  @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader held the lock first")
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the writer held the lock first")
  @Outcome(
      id = "1, 0",
      expect = FORBIDDEN,
      desc = "torn: the reader saw the second write but not the first")
  @Outcome(
      id = "0, 1",
      expect = FORBIDDEN,
      desc = "torn: the reader saw the first write but not the second")
  @State
  public static class WritesUnderLockSeenWhole extends LockState {
    @Actor
    public void writer() {
      lock();
      setPlain(X, 1);
      setPlain(Y, 1);
      lock.unlock();
    }

    @Actor
    public void reader(JJ_Result r) {
      lock();
      r.r1 = getPlain(Y);
      r.r2 = getPlain(X);
      lock.unlock();
    }
  }

  /**
   * Two threads try the lock without waiting ({@code lock(0)}) and keep it. Guards the acquiring
   * compareAndSet: at most one may win, and a free lock is never refused to both.
   */
  @JCStressTest
  @Outcome(
      id = {"true, false", "false, true"},
      expect = ACCEPTABLE,
      desc = "exactly one won")
  @Outcome(id = "true, true", expect = FORBIDDEN, desc = "both hold the lock")
  @Outcome(id = "false, false", expect = FORBIDDEN, desc = "a free lock refused to both")
  @State
  public static class TryLockOneWinner extends LockState {
    @Actor
    public void first(ZZ_Result r) {
      r.r1 = tryLock();
    }

    @Actor
    public void second(ZZ_Result r) {
      r.r2 = tryLock();
    }
  }
}
