package org.multiprocessing4j;

import java.io.Serial;
import org.jspecify.annotations.Nullable;

/**
 * The failure of a task whose worker process died while running it: killed by a signal, ended by
 * {@code System.exit} in the task, by an {@link OutOfMemoryError}, or by a crash of the JVM.
 * Python's {@code BrokenProcessPool}, except that only the task (or chunk of a map) that the worker
 * was running fails: the pool starts a replacement worker and goes on serving.
 *
 * <p>The message names the worker, its pid and how it ended; {@link #exitCode()} has Python's exit
 * code (negative for a signal). When the worker reported an uncaught error before it ended (an
 * {@code OutOfMemoryError}), it is the {@linkplain #getCause() cause}, as a {@link
 * RemoteProcessException}.
 */
public final class WorkerDiedException extends RuntimeException {
  @Serial private static final long serialVersionUID = 1L;

  private final String workerName;
  private final long pid;
  private final int exitCode;

  /**
   * Creates the exception.
   *
   * @param message what died, while doing what, and how
   * @param workerName the worker process's name
   * @param pid the worker process's id
   * @param exitCode its exit code: the status it exited with, or {@code -N} for signal {@code N}
   * @param cause the error the worker reported before it ended, or {@code null}
   */
  public WorkerDiedException(
      String message, String workerName, long pid, int exitCode, @Nullable Throwable cause) {
    super(message, cause);
    this.workerName = workerName;
    this.pid = pid;
    this.exitCode = exitCode;
  }

  /**
   * Returns the name of the worker process that died.
   *
   * @return a name such as {@code ProcessPool-1-worker-2}
   */
  public String workerName() {
    return workerName;
  }

  /**
   * Returns the process id of the worker that died.
   *
   * @return the pid
   */
  public long pid() {
    return pid;
  }

  /**
   * Returns how the worker ended, as {@link JvmProcess#exitCode()} reports it: {@code -9} when it
   * was killed with {@code SIGKILL}, {@code -6} after a JVM crash, the status given to {@code
   * System.exit}, or 1 after an uncaught error such as {@code OutOfMemoryError}.
   *
   * @return the exit code
   */
  public int exitCode() {
    return exitCode;
  }
}
