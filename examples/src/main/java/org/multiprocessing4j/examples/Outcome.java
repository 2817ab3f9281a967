package org.multiprocessing4j.examples;

/**
 * What one run of a {@link Scenario} showed.
 *
 * @param observed what was seen, in one line, with the measured values (counts, values, elapsed
 *     times), for example {@code "n = 99 after 0.51 s"}
 * @param passed whether the observation matches what the scenario says must be observed, decided
 *     from the measurements of this run
 */
public record Outcome(String observed, boolean passed) {

  /**
   * Checks that {@code observed} is one non-blank line.
   *
   * @throws IllegalArgumentException if {@code observed} is blank or spans several lines
   */
  public Outcome {
    if (observed.isBlank() || observed.lines().count() != 1) {
      throw new IllegalArgumentException(
          "observed must be one non-blank line, got: \"" + observed + "\"");
    }
  }

  /**
   * Returns a passed or failed outcome.
   *
   * @param passed whether what was observed is what must be observed
   * @param observed what was observed, in one line
   * @return the outcome
   */
  public static Outcome of(boolean passed, String observed) {
    return new Outcome(observed, passed);
  }

  /**
   * Returns a failed outcome for a scenario that ended with an exception.
   *
   * @param failure what the scenario threw
   * @return a failed outcome naming the exception and its message
   */
  public static Outcome threw(Throwable failure) {
    String message = failure.getMessage();
    String text = failure.getClass().getSimpleName();
    if (message != null && !message.isBlank()) {
      text += ": " + message.lines().findFirst().orElse("");
    }
    return new Outcome("threw " + text, false);
  }
}
