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
 * #abort()} is called, when the action throws, or when a process that has the barrier is killed.
 * Every party waiting then gets a {@link BrokenBarrierException}, and so does every later call
 * until {@link #reset()}.
 *
 * <h2>When a process dies</h2>
 *
 * A process <em>has</em> the barrier once the barrier has reached it from another process (as a
 * captured value or an argument of its task), or once one of its threads has called {@code await}.
 * If such a process is killed (SIGKILL, a termination signal such as {@link
 * JvmProcess#terminate()}, a crash), whether it was waiting or had not arrived yet, the round under
 * way is broken within about 100 ms; if no round is under way, the next one is, as soon as a party
 * waits. A process that ends normally (its code returns, or {@code System.exit}) withdraws instead:
 * the others go on waiting for their parties, as in Python. So hand the barrier only to its
 * parties: the death of a process that had it but was not meant to arrive also breaks a round.
 * After {@link #reset()} the barrier works again without the dead process. Up to {@code 2 × parties
 * + 8} processes are followed; the death of one beyond that is not noticed, and the others wait
 * until their timeout.
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
