package org.multiprocessing4j.internal.sync;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.internal.os.Libc;

/**
 * How a thread waits for a condition in shared memory: the tuning constants, and the choice between
 * futex waits and the portable fallback.
 *
 * <p>A wait first spins ({@link Thread#onSpinWait()}) for {@link #SPIN_NANOS}: a peer process on
 * another core usually answers within microseconds, far sooner than a sleeping thread can be woken.
 * It can then yield ({@link Thread#yield()}) until {@link #YIELD_NANOS}, but does not by default:
 * on a loaded Linux machine {@code sched_yield} gives the core away for tens of microseconds, and a
 * pipe's round trip went from 2 µs to 48 µs with a 30 µs yield phase. Then it blocks: in {@code
 * FUTEX_WAIT} slices that double from {@link #FUTEX_FIRST_SLICE_NANOS} to {@link
 * #FUTEX_SLICE_NANOS} (a thread in a native call does not see interrupts, so it checks between
 * slices), or, in the fallback, parked for a back-off that doubles from {@link #PARK_MIN_NANOS} to
 * {@link #PARK_MAX_NANOS}.
 *
 * <p>The fallback is used when futexes are unavailable (not Linux, or native access is not enabled
 * for this module), when the system property {@code mp4j.futex} is {@code false}, and on virtual
 * threads, which a native call would pin to their carrier. A fallback waiter is never woken
 * explicitly; it sees the change at its next poll, so it costs latency (up to {@link
 * #PARK_MAX_NANOS}) and a little CPU, never correctness.
 */
public final class Waiting {

  /** How long a waiter spins before yielding. System property {@code mp4j.spinNanos}. */
  public static final long SPIN_NANOS = Long.getLong("mp4j.spinNanos", 20_000);

  /**
   * Until when (from the start of the wait) a waiter yields before blocking: {@link #SPIN_NANOS}
   * plus the system property {@code mp4j.yieldNanos} (0 by default: no yielding).
   */
  public static final long YIELD_NANOS = SPIN_NANOS + Long.getLong("mp4j.yieldNanos", 0);

  /**
   * The first futex wait of a blocked thread; later ones double up to {@link #FUTEX_SLICE_NANOS}.
   */
  public static final long FUTEX_FIRST_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  /**
   * The longest single futex wait: the interrupt latency of a thread that has been blocked for a
   * while (a thread in a native call does not see interrupts), and the period of an idle waiter's
   * wake-ups (4 a second, each a few microseconds of CPU once compiled).
   */
  public static final long FUTEX_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** The first park of the fallback. */
  public static final long PARK_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  /** The longest park of the fallback: its worst added latency. */
  public static final long PARK_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** A timeout that never elapses. */
  public static final long FOREVER = Long.MAX_VALUE;

  private static final boolean FUTEX =
      !"false".equalsIgnoreCase(System.getProperty("mp4j.futex")) && Libc.futexAvailable();

  private Waiting() {}

  /** Returns whether this process waits on futexes (the calling thread may still not: virtual). */
  public static boolean futexEnabled() {
    return FUTEX;
  }

  /** Returns whether the calling thread should block in futex waits. */
  static boolean futexForCurrentThread() {
    return FUTEX && !Thread.currentThread().isVirtual();
  }

  /**
   * Spins, then yields, until {@code condition} holds or the spin budget (bounded by {@code
   * timeoutNanos}) is spent.
   *
   * @return true if the condition holds
   */
  // Yielding is deliberate: with more runnable threads than cores, the peer we wait for may need
  // ours.
  @SuppressWarnings("ThreadPriorityCheck")
  static boolean spin(BooleanSupplier condition, long startNanos, long timeoutNanos) {
    long budget = Math.min(YIELD_NANOS, timeoutNanos);
    int i = 0;
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if ((++i & 63) == 0) {
        long elapsed = System.nanoTime() - startNanos;
        if (elapsed >= budget) {
          return false;
        }
        if (elapsed >= SPIN_NANOS) {
          Thread.yield();
          continue;
        }
      }
      Thread.onSpinWait();
    }
  }
}
