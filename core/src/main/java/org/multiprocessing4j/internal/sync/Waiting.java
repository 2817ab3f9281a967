package org.multiprocessing4j.internal.sync;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.multiprocessing4j.internal.os.Libc;

/**
 * How a thread waits for a condition in shared memory: the tuning constants, and the choice between
 * futex waits and the portable fallback.
 *
 * <p>A wait first spins ({@link Thread#onSpinWait()}) for up to {@link #SPIN_NANOS} ({@link
 * #DATA_SPIN_NANOS} for a queue's or pipe's items and room): a peer process on another core usually
 * answers within microseconds, far sooner than a sleeping thread can be woken (tens to a hundred
 * microseconds on a virtual machine), and a waiter that blocked must be woken by a system call on
 * its peer's critical path. How long it spins adapts per {@link EventCount}: see there. It can then
 * yield ({@link Thread#yield()}) for {@link #YIELD_NANOS}, but does not by default: on a loaded
 * Linux machine {@code sched_yield} gives the core away for tens of microseconds, and a pipe's
 * round trip went from 2 µs to 48 µs with a 30 µs yield phase. Then it blocks: in {@code
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

  /**
   * The longest a waiter on a lock, event, semaphore, barrier or condition spins before blocking;
   * system property {@code mp4j.spinNanos} (20 µs by default). Each {@link EventCount} adapts its
   * waiters' spin between a sixteenth of its longest spin and that (see there).
   */
  public static final long SPIN_NANOS = Math.max(0, Long.getLong("mp4j.spinNanos", 20_000));

  /**
   * The longest a waiter for a queue's or pipe's item, or for room in it, spins before blocking;
   * system property {@code mp4j.dataSpinNanos} (100 µs by default). Longer than {@link
   * #SPIN_NANOS}: a producer and a consumer that are both busy wait for each other all the time,
   * mostly for well under a microsecond, and a spin that rides out the other's short stalls (a
   * safepoint, a time slice lost to another thread) spares both a futex sleep and the wake-up call
   * it costs the other side.
   */
  public static final long DATA_SPIN_NANOS =
      Math.max(0, Long.getLong("mp4j.dataSpinNanos", 100_000));

  /**
   * How long a waiter yields after its spin, before blocking: the system property {@code
   * mp4j.yieldNanos} (0 by default: no yielding).
   */
  public static final long YIELD_NANOS = Math.max(0, Long.getLong("mp4j.yieldNanos", 0));

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

  /**
   * Returns what is left of a wait of {@code timeoutNanos} that started at {@code startNanos}
   * ({@link System#nanoTime()}): {@link #FOREVER} for a wait without a timeout, else the
   * nanoseconds left, 0 or less once it has elapsed.
   */
  public static long remaining(long startNanos, long timeoutNanos) {
    return timeoutNanos == FOREVER ? FOREVER : timeoutNanos - (System.nanoTime() - startNanos);
  }

  /** Returns whether this process waits on futexes (the calling thread may still not: virtual). */
  public static boolean futexEnabled() {
    return FUTEX;
  }

  /** Returns whether the calling thread should block in futex waits. */
  static boolean futexForCurrentThread() {
    return FUTEX && !Thread.currentThread().isVirtual();
  }

  /**
   * Spins for {@code spinNanos}, then yields for {@link #YIELD_NANOS}, until {@code condition}
   * holds or that budget (bounded by {@code timeoutNanos}) is spent.
   *
   * @return true if the condition holds
   */
  // Yielding is deliberate: with more runnable threads than cores, the peer we wait for may need
  // ours.
  @SuppressWarnings("ThreadPriorityCheck")
  static boolean spin(
      BooleanSupplier condition, long startNanos, long spinNanos, long timeoutNanos) {
    long budget = Math.min(spinNanos + YIELD_NANOS, timeoutNanos);
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
        if (elapsed >= spinNanos) {
          Thread.yield();
          continue;
        }
      }
      Thread.onSpinWait();
    }
  }
}
