package org.multiprocessing4j;

import java.time.Duration;
import java.util.Objects;

/** Converting the {@link Duration} timeouts of the API into nanoseconds for the implementations. */
final class Durations {

  private Durations() {}

  /**
   * Returns {@code timeout} in nanoseconds, saturated at {@link Long#MAX_VALUE} (about 292 years,
   * so in effect forever) and {@link Long#MIN_VALUE}.
   *
   * @throws NullPointerException if {@code timeout} is null
   */
  static long toNanos(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
