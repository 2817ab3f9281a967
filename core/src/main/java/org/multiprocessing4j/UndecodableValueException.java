package org.multiprocessing4j;

import java.io.Serial;

/**
 * Thrown by a call that receives a value from another process when the value cannot be decoded
 * here: its class is missing from this process's class path, the deserialization filter rejected
 * it, or its bytes are malformed.
 *
 * <p>The value has been removed from the queue or pipe it came through (it is lost, as Python loses
 * an item it cannot unpickle); the queue or pipe stays usable.
 */
public final class UndecodableValueException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what could not be decoded and why
   * @param cause the decoding failure
   */
  public UndecodableValueException(String message, Throwable cause) {
    super(message, cause);
  }
}
