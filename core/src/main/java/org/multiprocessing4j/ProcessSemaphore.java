package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A counting semaphore shared by threads of many processes: Python's {@code
 * multiprocessing.Semaphore} and {@code BoundedSemaphore}, with the methods of {@link
 * java.util.concurrent.Semaphore} for one permit.
 *
 * <p>Create one with {@link MultiprocessingContext#semaphore(int)} or {@link
 * MultiprocessingContext#boundedSemaphore(int)} and hand it to child processes; the copy that
 * arrives in a child is the same semaphore. Acquiring takes a permit, waiting while there is none;
 * releasing gives one back. Any thread may release, not only one that acquired; a <em>bounded</em>
 * semaphore refuses a release that would raise its permits above the initial number, as Python's
 * {@code BoundedSemaphore} raises {@code ValueError}.
 *
 * <pre>{@code
 * ProcessSemaphore slots = ctx.boundedSemaphore(3);   // at most 3 processes at once
 * // in each child:
 * try (var _ = slots.hold()) {
 *   useTheScarceResource();
 * }
 * }</pre>
 *
 * <table class="striped">
 *   <caption>Acquiring, by what happens when no permit is available</caption>
 *   <thead><tr><th>Java</th><th>Python</th><th>No permit</th><th>On interrupt</th></tr></thead>
 *   <tbody>
 *     <tr><td>{@link #acquire()}</td><td>{@code acquire()}</td><td>blocks</td>
 *         <td>throws {@link InterruptedException}</td></tr>
 *     <tr><td>{@link #acquireUninterruptibly()}, {@link #hold()}</td><td>{@code with sem:}</td>
 *         <td>blocks</td><td>keeps waiting; the status is set again on return</td></tr>
 *     <tr><td>{@link #tryAcquire()}, {@link #acquire(boolean) acquire(false)}</td>
 *         <td>{@code acquire(False)}</td><td>returns false</td><td>-</td></tr>
 *     <tr><td>{@link #tryAcquire(long, TimeUnit)}, {@link #acquire(Duration)}</td>
 *         <td>{@code acquire(timeout=t)}</td><td>returns false after the timeout</td>
 *         <td>throws {@link InterruptedException}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Waiting costs no CPU after a few microseconds of spinning (a futex word in shared memory).
 * Permits are not handed out in arrival order.
 *
 * <h2>When a process dies</h2>
 *
 * The semaphore counts, per process, the permits it holds: those it acquired minus those it
 * released (a process that releases more than it acquired holds none). When a process ends while
 * holding permits (killed, crashed, or simply returned without releasing), they are given back: a
 * waiting thread notices within about 100 milliseconds and takes one. For a bounded semaphore,
 * permits given back never raise the count above its bound. So a semaphore that limits how many
 * processes use a resource at once never loses its permits to dead holders, as Python's does. The
 * flip side: when acquiring <em>consumes</em> a permit that is never meant to come back (the
 * semaphore counts items that a consumer takes, or is a signal that a process takes and then
 * exits), a consumer that ends would give back what it consumed: create such a semaphore with
 * {@link PermitRecovery#NONE} ({@link MultiprocessingContext#semaphore(int, PermitRecovery)}), and
 * a permit taken stays taken, whoever took it and however it ended, as in Python. Up to 128
 * processes can hold permits at once with this protection; permits taken beyond that are not given
 * back at death.
 *
 * <h2>Lifetime</h2>
 *
 * As for {@link ProcessLock}: the semaphore works until the context that created it is closed.
 *
 * <p>Memory consistency effects: actions in a thread, in any process, before it releases a permit
 * happen-before actions after an acquire that takes a permit in another thread of any process.
 */
public interface ProcessSemaphore {

  /**
   * Takes a permit, waiting until one is available; Python's {@code acquire()}.
   *
   * @return true
   * @throws InterruptedException if the thread is interrupted on entry or while waiting (seen
   *     within 50 ms); no permit is taken
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  boolean acquire() throws InterruptedException;

  /**
   * Takes a permit, waiting for one only if {@code block} is true; Python's {@code acquire(block)}.
   *
   * @param block whether to wait as {@link #acquire()} does; if false, behaves as {@link
   *     #tryAcquire()}
   * @return true if a permit was taken
   * @throws InterruptedException if {@code block} is true and the thread is interrupted on entry or
   *     while waiting; no permit is taken
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  default boolean acquire(boolean block) throws InterruptedException {
    return block ? acquire() : tryAcquire();
  }

  /**
   * Takes a permit if one becomes available within {@code timeout}; Python's {@code
   * acquire(timeout=t)}.
   *
   * @param timeout the longest wait; zero or negative tries once without waiting
   * @return true if a permit was taken, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; no permit
   *     is taken
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  default boolean acquire(Duration timeout) throws InterruptedException {
    return tryAcquire(Durations.toNanos(timeout), TimeUnit.NANOSECONDS);
  }

  /**
   * Takes a permit, waiting until one is available; an interrupt does not end the wait, and the
   * thread's interrupt status is set again when this returns.
   *
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  void acquireUninterruptibly();

  /**
   * Takes a permit if one is available now. Never blocks.
   *
   * @return true if a permit was taken
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  boolean tryAcquire();

  /**
   * Takes a permit if one becomes available within the timeout.
   *
   * @param timeout the longest wait; zero or negative tries once without waiting
   * @param unit the unit of {@code timeout}
   * @return true if a permit was taken, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; no permit
   *     is taken
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException;

  /**
   * Takes a permit as {@link #acquireUninterruptibly()} does and returns a hold whose {@link
   * Held#close()} gives it back, for try-with-resources: Python's {@code with sem:}.
   *
   * @return the hold; its {@link Held#ownerDied()} is always false
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  Held hold();

  /**
   * Gives back one permit, waking a thread that waits for one in any process; Python's {@code
   * release()}. Never blocks.
   *
   * @throws IllegalStateException if the semaphore is bounded and the release would raise the
   *     permits above the bound (Python's {@code BoundedSemaphore} raises {@code ValueError}); the
   *     count is unchanged. Also if the context that created the semaphore is closed
   */
  void release();

  /**
   * Gives back {@code n} permits, as {@code n} calls of {@link #release()} would at once; Python's
   * {@code release(n)}.
   *
   * @param n how many; at least 1
   * @throws IllegalArgumentException if {@code n} is less than 1
   * @throws IllegalStateException if the semaphore is bounded and the release would raise the
   *     permits above the bound; the count is unchanged. Also if the context is closed
   */
  void release(int n);

  /**
   * Returns the number of permits available now; Python's {@code get_value()}. For monitoring: it
   * may change at once.
   *
   * @return the available permits
   * @throws IllegalStateException if the context that created the semaphore is closed
   */
  int availablePermits();

  /**
   * Returns whether releases beyond the initial number of permits are refused.
   *
   * @return true for a semaphore made by {@link MultiprocessingContext#boundedSemaphore(int)}
   */
  boolean isBounded();

  /**
   * Returns what happens to the permits of a process that ends while holding them, chosen when the
   * semaphore was created.
   *
   * @return {@link PermitRecovery#GIVE_BACK} unless created with {@link PermitRecovery#NONE}
   */
  default PermitRecovery permitRecovery() {
    return PermitRecovery.GIVE_BACK;
  }

  /**
   * What happens to the permits of a process that ends while holding them (those it acquired and
   * did not release); chosen at creation, with {@link MultiprocessingContext#semaphore(int,
   * PermitRecovery)} or {@link MultiprocessingContext#boundedSemaphore(int, PermitRecovery)}.
   */
  enum PermitRecovery {
    /**
     * They are given back (the default): a semaphore that limits how many processes use something
     * at once does not lose its permits to processes that were killed or forgot to release.
     */
    GIVE_BACK,

    /**
     * They stay taken, as in Python: for a semaphore whose permits are consumed, such as a signal
     * that one process releases and another takes and then exits, or a count of items.
     */
    NONE
  }
}
