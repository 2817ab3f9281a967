package org.multiprocessing4j.rabbitmq.internal;

import java.util.concurrent.TimeUnit;

/**
 * Waiting for a broker state that no message announces (room in a full queue, a free token, a count
 * reaching zero, a flag): the attempt is repeated with pauses that start at 1 ms and double up to a
 * cap, so that a short wait is answered quickly and a long one costs the broker little.
 */
final class Backoff {

  /** Stands for "no time limit" in timeouts, in nanoseconds. */
  static final long FOREVER = Long.MAX_VALUE;

  private Backoff() {}

  /** One try; true when it succeeded. */
  interface Attempt {
    boolean succeeded() throws InterruptedException;
  }

  /**
   * Repeats {@code attempt} until it succeeds or {@code timeoutNanos} has passed.
   *
   * @param timeoutNanos the longest wait, 0 for one try, or {@link #FOREVER}
   * @param maxPauseMillis the longest pause between tries
   * @return whether it succeeded
   * @throws InterruptedException if interrupted during a pause
   */
  static boolean until(Attempt attempt, long timeoutNanos, long maxPauseMillis)
      throws InterruptedException {
    long start = System.nanoTime();
    long pauseMillis = 1;
    while (!attempt.succeeded()) {
      long waited = System.nanoTime() - start;
      if (timeoutNanos != FOREVER && waited >= timeoutNanos) {
        return false;
      }
      long sleep = TimeUnit.MILLISECONDS.toNanos(pauseMillis);
      if (timeoutNanos != FOREVER) {
        sleep = Math.min(sleep, timeoutNanos - waited);
      }
      TimeUnit.NANOSECONDS.sleep(sleep);
      pauseMillis = Math.min(maxPauseMillis, pauseMillis * 2);
    }
    return true;
  }
}
