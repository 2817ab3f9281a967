package org.multiprocessing4j;

import java.time.Duration;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * A condition variable shared by threads of many processes, bound to a {@link ProcessLock}:
 * Python's {@code multiprocessing.Condition}, as a {@link Condition}.
 *
 * <p>Create one with {@link MultiprocessingContext#condition()} (which makes a {@link
 * ReentrantProcessLock} for it, as Python's default), {@link
 * MultiprocessingContext#condition(ProcessLock)}, or {@link ProcessLock#newCondition()}. Every
 * method but {@link #lock()} must be called by a thread that holds the lock; a waiting thread
 * releases the lock (all of its holds, for a reentrant lock) while it waits and holds it again
 * before returning, in every case, exceptions included.
 *
 * <pre>{@code
 * ProcessCondition ready = ctx.condition();
 * // consumer, in any process               // producer, in any process
 * ready.lock().lock();                       ready.lock().lock();
 * try {                                      try {
 *   ready.waitFor(() -> isReady(), timeout); //   makeReady();
 *   use();                                   //   ready.signalAll();
 * } finally {                                } finally {
 *   ready.lock().unlock();                   //   ready.lock().unlock();
 * }                                          }
 * }</pre>
 *
 * <p>Waiting threads are woken in the order they began to wait: {@link #signal()} wakes the
 * longest-waiting thread of any process, {@link #signalAll()} every one. As {@link Condition}
 * allows, a waiter may also wake spuriously, so wait in a loop that checks the predicate ({@link
 * #waitFor} does). A signal that reaches a waiter which has just timed out, been interrupted or
 * been killed is passed on to another waiter, never lost. Up to 64 threads in all may wait on one
 * condition at a time; more waiters poll every few milliseconds instead of sleeping until
 * signalled.
 *
 * <h2>When a process dies</h2>
 *
 * A process killed while it waits leaves nothing behind (its place is reclaimed). A process killed
 * while it holds the lock leaves the lock to the next acquirer in the owner-died state (see {@link
 * ProcessLock}): a waiter that reacquires the lock that way returns normally, and can learn it from
 * {@link ProcessLock#ownerDied()}.
 *
 * <p>Memory consistency effects: those of the lock; a signal is given while holding the lock, and
 * the signalled thread reacquires the lock before it returns.
 */
public interface ProcessCondition extends Condition {

  /**
   * Returns the lock this condition is bound to.
   *
   * @return the lock, to acquire around every other call
   */
  ProcessLock lock();

  /**
   * Waits until signalled or interrupted, releasing the lock while waiting.
   *
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  void await() throws InterruptedException;

  /**
   * Waits until signalled, releasing the lock while waiting; an interrupt does not end the wait,
   * and the interrupt status is set again on return.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  void awaitUninterruptibly();

  /**
   * Waits until signalled, interrupted, or the timeout elapses, releasing the lock while waiting.
   *
   * @param nanosTimeout the longest wait, in nanoseconds; zero or negative does not wait (but still
   *     releases and reacquires the lock)
   * @return an estimate of the time left (positive if signalled in time), or zero or less if the
   *     timeout elapsed
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  long awaitNanos(long nanosTimeout) throws InterruptedException;

  /**
   * Waits until signalled, interrupted, or the timeout elapses, releasing the lock while waiting.
   *
   * @param time the longest wait; zero or negative does not wait
   * @param unit the unit of {@code time}
   * @return false if the timeout elapsed before a signal, else true
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  boolean await(long time, TimeUnit unit) throws InterruptedException;

  /**
   * Waits until signalled, interrupted, or the deadline passes, releasing the lock while waiting.
   *
   * @param deadline the wall-clock time at which to stop waiting
   * @return false if the deadline passed before a signal, else true
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  boolean awaitUntil(Date deadline) throws InterruptedException;

  /**
   * Waits until signalled or the timeout elapses; Python's {@code wait(timeout)}.
   *
   * @param timeout the longest wait; zero or negative does not wait
   * @return false if the timeout elapsed before a signal, else true
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is held again when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @SuppressWarnings("WaitNotInLoop") // a form of awaitNanos: the caller loops
  default boolean await(Duration timeout) throws InterruptedException {
    return awaitNanos(Durations.toNanos(timeout)) > 0;
  }

  /**
   * Waits until {@code predicate} is true or the timeout elapses; Python's {@code
   * wait_for(predicate, timeout)}.
   *
   * <p>Evaluates the predicate (holding the lock) first, and again after every wake-up, so it
   * returns at once if the predicate is already true.
   *
   * @param predicate what to wait for; evaluated by the calling thread while holding the lock
   * @param timeout the longest wait in all; zero or negative evaluates the predicate once
   * @return the predicate's last value: false only if the timeout elapsed
   * @throws InterruptedException if the thread is interrupted while waiting; the lock is held again
   *     when it is thrown
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  default boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
    long nanos = Durations.toNanos(timeout);
    long deadline = System.nanoTime() + nanos;
    boolean result = predicate.getAsBoolean();
    while (!result) {
      if (nanos <= 0) {
        return false;
      }
      awaitNanos(nanos);
      result = predicate.getAsBoolean();
      nanos = deadline - System.nanoTime();
    }
    return true;
  }

  /**
   * Wakes the longest-waiting thread, in any process; Python's {@code notify()}. Does nothing if no
   * thread waits.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  void signal();

  /**
   * Wakes up to {@code n} waiting threads, longest-waiting first; Python's {@code notify(n)}.
   *
   * @param n how many to wake at most
   * @throws IllegalArgumentException if {@code n} is negative
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  void signal(int n);

  /**
   * Wakes every waiting thread, in every process; Python's {@code notify_all()}.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the condition is closed
   */
  @Override
  void signalAll();
}
