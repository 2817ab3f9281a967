package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A flag shared by threads of many processes that threads can wait for: Python's {@code
 * multiprocessing.Event}.
 *
 * <p>Create one with {@link MultiprocessingContext#event()} and hand it to child processes; the
 * copy that arrives in a child is the same event. It starts cleared. {@link #set()} sets it and
 * wakes every thread, in every process, waiting in {@link #await()}; while it is set, {@code await}
 * returns at once; {@link #clear()} clears it again.
 *
 * <pre>{@code
 * ProcessEvent ready = ctx.event();
 * new JvmProcess(() -> { prepare(); ready.set(); }).start();
 * if (!ready.await(Duration.ofSeconds(5))) {
 *   throw new TimeoutException("the child did not get ready");
 * }
 * }</pre>
 *
 * <p>Waiting costs no CPU after a few microseconds of spinning: a waiter sleeps on a futex word in
 * shared memory and is woken by {@code set} in any process. Nothing is held, so a process that dies
 * never blocks the others: a waiter killed while waiting leaves nothing behind, and an event that a
 * dead process was meant to set stays cleared (wait with a timeout where that matters).
 *
 * <p>The event works until the context that created it is closed, as {@link ProcessLock} does.
 *
 * <p>Memory consistency effects: actions in a thread, in any process, before it calls {@link
 * #set()} happen-before actions after an {@code await} (or {@link #isSet()}) in another thread of
 * any process returns because it saw that set.
 */
public interface ProcessEvent {

  /**
   * Returns whether the event is set; Python's {@code is_set()}. Never blocks.
   *
   * @return true if set
   * @throws IllegalStateException if the context that created the event is closed
   */
  boolean isSet();

  /**
   * Sets the event and wakes every thread waiting for it, in every process. Never blocks; setting a
   * set event does nothing.
   *
   * @throws IllegalStateException if the context that created the event is closed
   */
  void set();

  /**
   * Clears the event: later waits block until it is set again. Never blocks.
   *
   * @throws IllegalStateException if the context that created the event is closed
   */
  void clear();

  /**
   * Waits until the event is set; Python's {@code wait()}. Returns at once if it is set.
   *
   * @throws InterruptedException if the thread is interrupted while waiting (seen within 250 ms)
   * @throws IllegalStateException if the context that created the event is closed
   */
  void await() throws InterruptedException;

  /**
   * Waits until the event is set or the timeout elapses; Python's {@code wait(timeout)}.
   *
   * @param timeout the longest wait; zero or negative checks once without waiting
   * @return true if the event is set, false if the timeout elapsed first (as Python's returns the
   *     flag)
   * @throws InterruptedException if the thread is interrupted while waiting
   * @throws IllegalStateException if the context that created the event is closed
   */
  default boolean await(Duration timeout) throws InterruptedException {
    return await(Durations.toNanos(timeout), TimeUnit.NANOSECONDS);
  }

  /**
   * Waits until the event is set or the timeout elapses.
   *
   * @param timeout the longest wait; zero or negative checks once without waiting
   * @param unit the unit of {@code timeout}
   * @return true if the event is set, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted while waiting
   * @throws IllegalStateException if the context that created the event is closed
   */
  boolean await(long timeout, TimeUnit unit) throws InterruptedException;
}
