package org.multiprocessing4j;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * An exception that was thrown in another process, brought back as its type name, message and stack
 * trace.
 *
 * <p>The remote exception is not deserialized (its class may not exist here, and deserializing
 * foreign objects is unsafe); instead this exception carries the remote class's name, the remote
 * message, the remote stack frames as its own stack trace, and the remote cause chain as a chain of
 * {@code RemoteProcessException}s. {@link #printStackTrace()} therefore prints the other process's
 * frames, as if the exception had been thrown here.
 */
public final class RemoteProcessException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  private final String remoteClassName;
  private final @Nullable String remoteMessage;

  /**
   * Creates the exception from the parts read from the other process.
   *
   * @param remoteClassName the binary name of the remote exception's class
   * @param remoteMessage the remote exception's message, or {@code null}
   * @param remoteStackTrace the remote exception's stack frames
   * @param cause the remote cause, already converted, or {@code null}
   */
  public RemoteProcessException(
      String remoteClassName,
      @Nullable String remoteMessage,
      StackTraceElement[] remoteStackTrace,
      @Nullable RemoteProcessException cause) {
    super(
        remoteMessage == null ? remoteClassName : remoteClassName + ": " + remoteMessage,
        cause,
        false,
        true);
    this.remoteClassName = remoteClassName;
    this.remoteMessage = remoteMessage;
    setStackTrace(remoteStackTrace);
  }

  /**
   * Returns the binary name of the class of the exception thrown in the other process.
   *
   * @return a class name such as {@code java.lang.IllegalStateException}
   */
  public String remoteClassName() {
    return remoteClassName;
  }

  /**
   * Returns the message of the exception thrown in the other process.
   *
   * @return the remote message, or {@code null} when it had none
   */
  public @Nullable String remoteMessage() {
    return remoteMessage;
  }

  /**
   * Returns whether the remote exception was of the given class or a subclass of it, judged by
   * class name alone when the class is not loadable here.
   *
   * @param type the class to test
   * @return true when the remote exception's class is {@code type} or extends it
   */
  public boolean isRemote(Class<? extends Throwable> type) {
    if (type.getName().equals(remoteClassName)) {
      return true;
    }
    try {
      Class<?> remote = Class.forName(remoteClassName, false, type.getClassLoader());
      return type.isAssignableFrom(remote);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Prints the remote class first, so a stack trace reads as the remote one with a marker. */
  @Override
  @SuppressWarnings("OverrideThrowableToString")
  public String toString() {
    return getMessage() + " (in another process)";
  }
}
