package org.multiprocessing4j;

import java.io.Serial;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link JvmProcess#start()} when the child JVM could not be launched or could not load
 * its target: a bad JVM option, a class missing from the child's class path, a target that does not
 * deserialize in the child, or a child that did not report in time.
 *
 * <p>The message carries the child's own error text when it could be read (the first lines the
 * child wrote to its standard error before it ended). When this is thrown the child is no longer
 * running: it ended by itself or was killed.
 */
public final class ProcessStartException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  private final @Nullable Integer exitCode;
  private final String childOutput;

  /**
   * Creates the exception.
   *
   * @param message what went wrong and what to do
   * @param exitCode the child's exit code if it ended by itself, else {@code null}
   * @param childOutput what the child wrote to its standard error before it ended, or empty
   * @param cause the underlying failure, if any
   */
  public ProcessStartException(
      String message, @Nullable Integer exitCode, String childOutput, @Nullable Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
    this.childOutput = childOutput;
  }

  /**
   * Returns the child's exit code, when the child ended by itself before it started its target.
   *
   * @return the exit code, or empty when the child was killed or never ran
   */
  public OptionalInt exitCode() {
    return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
  }

  /**
   * Returns what the child wrote to its standard error before it failed.
   *
   * @return the child's error text, or the empty string when none could be read
   */
  public String childOutput() {
    return childOutput;
  }
}
