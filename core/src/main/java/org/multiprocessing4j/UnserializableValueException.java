package org.multiprocessing4j;

import java.io.Serial;

/**
 * Thrown by a call that must send a value to another process when the value cannot be encoded: it,
 * or something it refers to, is not serializable.
 *
 * <p>The message names the offending class and, where it could be found, the path of fields that
 * leads to it from the value that was sent (for example {@code JvmProcess.target -> Task.lock ->
 * java.lang.Thread}). Nothing was sent: the call that threw has had no effect on the other process.
 */
public final class UnserializableValueException extends IllegalArgumentException {
  @Serial private static final long serialVersionUID = 1L;

  private final String offendingClass;

  /**
   * Creates the exception.
   *
   * @param message what was wrong and what to do
   * @param offendingClass the name of the class that could not be serialized
   * @param cause the serialization failure
   */
  public UnserializableValueException(String message, String offendingClass, Throwable cause) {
    super(message, cause);
    this.offendingClass = offendingClass;
  }

  /**
   * Returns the name of the class that could not be serialized.
   *
   * @return a binary class name, such as {@code java.lang.Thread}
   */
  public String offendingClass() {
    return offendingClass;
  }
}
