package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;

/**
 * A barrier for a fixed number of parties, threads of one or many processes: Python's {@code
 * multiprocessing.Barrier}, shaped like {@link java.util.concurrent.CyclicBarrier}.
 *
 * <p>Create one with {@link MultiprocessingContext#barrier(int)} (or with an action and a default
 * timeout) and hand it to child processes. Each party calls {@link #await()}; the calls block until
 * all {@link #parties()} have called it, then all return together and the barrier is ready for the
 * next round. The optional action runs once per round, in the party that arrived last, before any
 * party is released. Python's {@code BrokenBarrierError} is Java's {@link BrokenBarrierException}.
 *
 * <pre>{@code
 * ProcessBarrier start = ctx.barrier(3);
 * for (int i = 0; i < 3; i++) {
 *   ctx.process(() -> { load(); start.await(); run(); }).start();   // all run() at once
 * }
 * }</pre>
 *
 * <h2>Broken</h2>
 *
 * The barrier is <em>broken</em> when a waiting party times out or is interrupted, when {@link
 * #abort()} is called, when the action throws, or when a process dies while one of its threads is a
 * party of the current round (waiting, or running the action). Every party waiting then gets a
 * {@link BrokenBarrierException} (within about 100 ms of a death), and so does every later call
 * until {@link #reset()}. A party whose process dies <em>before</em> it arrives cannot be told
 * apart from a late one: the others wait for it until their timeout.
 *
 * <p>The barrier works until the context that created it is closed, as {@link ProcessLock} does.
 *
 * <p>Memory consistency effects: actions in a party before it calls {@code await} happen-before the
 * action, which happens-before actions after the matching {@code await} returns in every other
 * party, in any process.
 */
public interface ProcessBarrier {

  /**
   * Waits until every party has called {@code await} on this barrier, with the barrier's default
   * timeout if it has one; Python's {@code wait()}.
   *
   * @return this party's arrival index: 0 for the first to arrive, {@code parties() - 1} for the
   *     last, which ran the action (as in Python; {@link java.util.concurrent.CyclicBarrier} counts
   *     the other way)
   * @throws InterruptedException if the thread is interrupted while waiting; the barrier is broken
   * @throws BrokenBarrierException if the barrier is broken, or becomes broken while waiting; also
   *     when this party's default timeout elapses (the barrier is then broken, as in Python), and
   *     when the action, run by this party, throws a checked exception (its cause)
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  int await() throws InterruptedException, BrokenBarrierException;

  /**
   * Waits until every party has called {@code await}, or the timeout elapses; Python's {@code
   * wait(timeout)}.
   *
   * @param timeout the longest wait; zero or negative breaks the barrier unless this party is the
   *     last to arrive
   * @return this party's arrival index, as {@link #await()}
   * @throws InterruptedException if the thread is interrupted while waiting; the barrier is broken
   * @throws BrokenBarrierException if the barrier is broken, or becomes broken while waiting, or
   *     the action run by this party throws a checked exception
   * @throws TimeoutException if the timeout elapsed; the barrier is broken (Python raises {@code
   *     BrokenBarrierError} here)
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException;

  /**
   * Returns the barrier to its initial, unbroken state; parties waiting now get a {@link
   * BrokenBarrierException}; Python's {@code reset()}. Never blocks.
   *
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  void reset();

  /**
   * Breaks the barrier: parties waiting now, and later calls until {@link #reset()}, get a {@link
   * BrokenBarrierException}; Python's {@code abort()}. Never blocks.
   *
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  void abort();

  /**
   * Returns the number of parties needed to trip the barrier.
   *
   * @return the parties, at least 1
   */
  int parties();

  /**
   * Returns the number of parties waiting in the current round; Python's {@code n_waiting}. For
   * monitoring.
   *
   * @return the parties waiting now
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  int numberWaiting();

  /**
   * Returns whether the barrier is broken.
   *
   * @return true if broken
   * @throws IllegalStateException if the context that created the barrier is closed
   */
  boolean isBroken();
}
