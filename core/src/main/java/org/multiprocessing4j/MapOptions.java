package org.multiprocessing4j;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Settings of one map ({@link PoolExecutor#map(TaskFunction, Iterable, MapOptions)}, {@code imap},
 * {@code imapUnordered}): chunk size, a deadline and a progress listener. Immutable: every setter
 * returns a new object.
 *
 * <pre>{@code
 * MapOptions o = MapOptions.defaults().chunksize(100).progress(p -> System.err.println(p));
 * try (ResultIterator<Long> it = pool.imapUnordered(Primes::count, ranges, o)) { ... }
 * }</pre>
 */
public final class MapOptions {

  private static final Duration DEFAULT_INTERVAL = Duration.ofMillis(200);
  private static final MapOptions DEFAULTS = new MapOptions(0, null, null, DEFAULT_INTERVAL);

  private final int chunksize;
  private final @Nullable Duration timeout;
  private final @Nullable ProgressListener progress;
  private final Duration progressInterval;

  private MapOptions(
      int chunksize,
      @Nullable Duration timeout,
      @Nullable ProgressListener progress,
      Duration progressInterval) {
    this.chunksize = chunksize;
    this.timeout = timeout;
    this.progress = progress;
    this.progressInterval = progressInterval;
  }

  /**
   * Returns the defaults: automatic chunk size, no deadline, no progress listener.
   *
   * @return the default options
   */
  public static MapOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Returns these options with a chunk size: items are sent to workers in chunks of {@code
   * chunksize}; 0 chooses automatically (see {@link PoolExecutor#map(TaskFunction, Iterable, int,
   * Duration)}).
   *
   * @param chunksize items per chunk, or 0 for automatic
   * @return new options
   * @throws IllegalArgumentException if {@code chunksize} is negative
   */
  public MapOptions chunksize(int chunksize) {
    if (chunksize < 0) {
      throw new IllegalArgumentException(
          "chunksize must be 0 (automatic) or positive: " + chunksize);
    }
    return new MapOptions(chunksize, timeout, progress, progressInterval);
  }

  /**
   * Returns these options with a deadline for all results, counted from the map call, as Python's
   * {@code Executor.map(timeout=...)}: a result not ready by then ends the map with a {@link
   * java.util.concurrent.TimeoutException} (see {@link ResultIterator}).
   *
   * @param timeout a positive duration
   * @return new options
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public MapOptions timeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("a map timeout must be positive: " + timeout);
    }
    return new MapOptions(chunksize, timeout, progress, progressInterval);
  }

  /**
   * Returns these options with a progress listener, called as {@link ProgressListener} describes:
   * from the {@value ProgressListener#THREAD_NAME} thread, at most once per {@link
   * #progressInterval(Duration) interval}, and once more when the map ends.
   *
   * @param listener the listener
   * @return new options
   */
  public MapOptions progress(ProgressListener listener) {
    return new MapOptions(
        chunksize, timeout, Objects.requireNonNull(listener, "listener"), progressInterval);
  }

  /**
   * Returns these options with the least time between two progress reports; 200 ms by default.
   *
   * @param interval a positive duration
   * @return new options
   * @throws IllegalArgumentException if the interval is not positive
   */
  public MapOptions progressInterval(Duration interval) {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("a progress interval must be positive: " + interval);
    }
    return new MapOptions(chunksize, timeout, progress, interval);
  }

  /**
   * Returns the chunk size.
   *
   * @return items per chunk, or 0 for automatic
   */
  public int chunksize() {
    return chunksize;
  }

  /**
   * Returns the deadline for all results, counted from the map call.
   *
   * @return the timeout, or empty for none
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Returns the progress listener.
   *
   * @return the listener, or empty for none
   */
  public Optional<ProgressListener> progress() {
    return Optional.ofNullable(progress);
  }

  /**
   * Returns the least time between two progress reports.
   *
   * @return the interval
   */
  public Duration progressInterval() {
    return progressInterval;
  }

  @Override
  public String toString() {
    return "MapOptions[chunksize="
        + (chunksize == 0 ? "auto" : chunksize)
        + ", timeout="
        + timeout
        + ", progress="
        + (progress == null ? "none" : "every " + progressInterval)
        + "]";
  }
}
