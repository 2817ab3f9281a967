package org.multiprocessing4j.rabbitmq;

import java.time.Duration;

/**
 * A worker node of a distributed process pool: this JVM takes tasks of a named pool from the broker
 * and runs them in its own worker processes (a local {@link
 * org.multiprocessing4j.ProcessPoolExecutor}), until closed. Made by {@link
 * RabbitContext#workerNode(String, int)}; the command {@code mp4j worker} runs one.
 *
 * <p>Across processes: the node takes at most one task more than it has worker processes from the
 * broker (the extra one waits in the node for a free process), and acknowledges a task only once
 * its result is in the submitter's reply queue, so a node that dies (or is killed) mid-task gives
 * its unfinished tasks back to the broker, which hands them to other nodes. Nothing reconnects: a
 * node that loses its broker connection (a broker restart, a network failure) gives its tasks back
 * the same way and stops by itself ({@link #isStopped()}); run it under a supervisor that starts it
 * again. A task whose worker process dies (a crash, {@code System.exit}) is not given back: its
 * submitter receives a {@link org.multiprocessing4j.WorkerDiedException}, as from a local pool, so
 * a task that kills its worker cannot kill every node in turn.
 *
 * <p>Security: every task is authenticated (its HMAC, age and nonce checked) before anything in it
 * is read; an unsigned, forged, altered, stale or replayed task is rejected (logged and counted in
 * {@link RabbitContext#rejectedMessages()}), never run, and the node goes on. Tasks are
 * deserialized in the worker processes through the context's allow-list ({@link
 * RabbitContext.Builder#allowClasses}).
 */
public interface WorkerNode extends AutoCloseable {

  /**
   * Returns the name of the pool this node serves.
   *
   * @return the pool name
   */
  String poolName();

  /**
   * Returns the number of worker processes of this node.
   *
   * @return at least 1
   */
  int processes();

  /**
   * Returns how many tasks this node finished and answered (succeeded or failed), counting a task
   * once the broker has confirmed its answer (which may be a moment after the submitter has it).
   *
   * @return a count, growing
   */
  long tasksCompleted();

  /**
   * Stops taking tasks, waits up to {@code grace} for those in progress to finish and be answered,
   * then gives the rest back to the broker (other nodes run them) and ends the worker processes.
   * Blocks until done. Idempotent. "In progress" includes the one task a node holds beyond its
   * processes (see {@code RabbitContext.workerNode}): it runs here, within the grace, once a
   * process is free, rather than going back to the broker at once.
   *
   * @param grace how long to let tasks in progress finish; zero or negative gives them back at once
   * @throws InterruptedException if interrupted while waiting; the node is then stopped at once
   */
  void stop(Duration grace) throws InterruptedException;

  /**
   * Returns whether the node stopped: by {@link #stop}, its context's close, or by itself when it
   * lost its broker connection (its unfinished tasks then went back to the broker).
   *
   * @return true once stopped
   */
  boolean isStopped();

  /**
   * Blocks, without a time limit, until the node stopped: by {@link #stop}, its context's close, or
   * by itself when it lost its broker connection.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  void awaitStop() throws InterruptedException;

  /** Stops the node at once, as {@link #stop stop(Duration.ZERO)}, and does not throw. */
  @Override
  void close();
}
