package org.multiprocessing4j.examples;

import java.time.Duration;
import java.util.Locale;

/** Measures elapsed time from its creation, with {@link System#nanoTime()}. */
public final class Stopwatch {

  private final long startNanos;

  private Stopwatch(long startNanos) {
    this.startNanos = startNanos;
  }

  /**
   * Starts a stopwatch now.
   *
   * @return a running stopwatch
   */
  public static Stopwatch start() {
    return new Stopwatch(System.nanoTime());
  }

  /**
   * Returns the time elapsed since {@link #start()}.
   *
   * @return the elapsed time
   */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * Returns the time from {@link #start()} to a given {@link System#nanoTime()}.
   *
   * @param nanoTime a value of {@link System#nanoTime()} in this JVM
   * @return the time from the start to {@code nanoTime}; negative if {@code nanoTime} is earlier
   */
  public Duration until(long nanoTime) {
    return Duration.ofNanos(nanoTime - startNanos);
  }

  /**
   * Formats a duration as seconds with two decimals, the way the tutorial prints elapsed times.
   *
   * @param duration the duration
   * @return for example {@code "0.52 s"}
   */
  public static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.2f s", duration.toNanos() / 1e9);
  }

  /**
   * Formats a duration in whole milliseconds.
   *
   * @param duration the duration
   * @return for example {@code "37 ms"}
   */
  public static String millis(Duration duration) {
    return duration.toMillis() + " ms";
  }
}
