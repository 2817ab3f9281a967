package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Launches every child from one long-lived thread.
 *
 * <p>Why: a child asks the kernel for {@code SIGKILL} when its parent dies ({@code
 * PR_SET_PDEATHSIG}), and Linux delivers it when the <em>thread</em> that forked the child ends,
 * not the process. A child started from a short-lived thread (a pool thread, a virtual thread's
 * carrier) would be killed when that thread ended. This thread lives as long as the JVM.
 */
final class Spawner {

  private static final ExecutorService THREAD =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "mp4j-spawner");
            t.setDaemon(true);
            return t;
          });

  private Spawner() {}

  /** Starts the process on the spawner thread; uninterruptible, as ProcessBuilder.start is. */
  static Process start(ProcessBuilder builder) throws IOException {
    Future<Process> f = THREAD.submit(builder::start);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true; // the launch is already under way: finish it, report it later
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("could not launch " + builder.command().getFirst(), e.getCause());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
