package org.multiprocessing4j;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The progress of a map at one moment, as a {@link ProgressListener} receives it: items done, the
 * total when it is known, the time since the map started and the rate. Immutable.
 *
 * <p>An item is done when its outcome came back from its worker: a result or a failure, whether or
 * not the thread iterating the results has taken it yet. The total is known from the start when the
 * input is a {@link java.util.Collection}; for any other {@link Iterable} it becomes known when the
 * map has read the input's last item, and stays unknown for an endless one.
 */
public final class Progress {

  private final long done;
  private final long total;
  private final long elapsedNanos;
  private final boolean finished;

  /**
   * Creates a progress report.
   *
   * @param done items done, 0 or more
   * @param total the number of items, or -1 when not known
   * @param elapsed time since the map started; not negative
   * @param finished whether this is the map's last report
   * @throws IllegalArgumentException if {@code done} is negative, {@code total} is less than -1 or
   *     {@code elapsed} is negative
   */
  public Progress(long done, long total, Duration elapsed, boolean finished) {
    if (done < 0 || total < -1 || elapsed.isNegative()) {
      throw new IllegalArgumentException(
          "done must be 0 or more, total -1 (unknown) or more and elapsed not negative: done "
              + done
              + ", total "
              + total
              + ", elapsed "
              + elapsed);
    }
    this.done = done;
    this.total = total;
    this.elapsedNanos = saturatedNanos(elapsed);
    this.finished = finished;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Returns the number of items done (their result or failure came back).
   *
   * @return 0 or more
   */
  public long done() {
    return done;
  }

  /**
   * Returns the number of items of the map, if known.
   *
   * @return the total, or empty while the input has not been read to its end
   */
  public OptionalLong total() {
    return total < 0 ? OptionalLong.empty() : OptionalLong.of(total);
  }

  /**
   * Returns the time since the map started.
   *
   * @return the elapsed time
   */
  public Duration elapsed() {
    return Duration.ofNanos(elapsedNanos);
  }

  /**
   * Returns the average rate since the map started, in items per second.
   *
   * @return items per second; 0 before any time has passed
   */
  public double rate() {
    return elapsedNanos <= 0 ? 0 : done / (elapsedNanos / 1e9);
  }

  /**
   * Returns the part done, from 0 to 1, if the total is known.
   *
   * @return {@code done / total} (1 for an empty map), or empty if the total is not known
   */
  public OptionalDouble fraction() {
    if (total < 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(total == 0 ? 1 : Math.min(1, (double) done / total));
  }

  /**
   * Estimates the time left at the average rate so far.
   *
   * @return the estimate, or empty if the total is not known or nothing is done yet
   */
  public Optional<Duration> remaining() {
    if (total < 0 || done == 0) {
      return Optional.empty();
    }
    double perItem = (double) elapsedNanos / done;
    return Optional.of(Duration.ofNanos((long) (Math.max(0, total - done) * perItem)));
  }

  /**
   * Returns whether this is the map's last report: every item is done, or the map failed or was
   * closed.
   *
   * @return true for the last report
   */
  public boolean finished() {
    return finished;
  }

  /** Returns a short text such as {@code 450/1000 items, 1234.5/s, 0.4 s}. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%d/%s items, %.1f/s, %.1f s%s",
        done,
        total < 0 ? "?" : Long.toString(total),
        rate(),
        elapsedNanos / 1e9,
        finished ? ", finished" : "");
  }
}
