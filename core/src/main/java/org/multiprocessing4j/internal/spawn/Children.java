package org.multiprocessing4j.internal.spawn;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The live children of this JVM, and what happens to them when it exits.
 *
 * <p>Python, at interpreter exit, first joins the program's non-daemon threads, then terminates its
 * daemonic children, then joins the rest. A JVM begins its shutdown exactly when its last
 * non-daemon thread ends (or on {@code System.exit}), so a shutdown hook gives the same order: the
 * hook terminates daemonic children (SIGTERM, then SIGKILL after {@link #DAEMON_GRACE_MILLIS}),
 * then waits for the non-daemonic ones, which therefore keep this JVM alive until they end.
 *
 * <p>Children are also killed by the kernel if this JVM dies without running its hooks (SIGKILL):
 * each child asks for {@code PR_SET_PDEATHSIG} and watches its control channel.
 */
public final class Children {

  /** How long a daemonic child may take to end after SIGTERM before it gets SIGKILL. */
  static final long DAEMON_GRACE_MILLIS = 1_000;

  private static final Set<Child> LIVE = ConcurrentHashMap.newKeySet();
  private static boolean hookInstalled; // guarded by Children.class

  private Children() {}

  static void register(Child child) {
    installHook();
    LIVE.add(child);
  }

  static void unregister(Child child) {
    LIVE.remove(child);
  }

  /** Returns the children started by this JVM that have not been seen to exit. */
  public static List<Child> live() {
    return new ArrayList<>(LIVE);
  }

  /**
   * Installs the exit hook if needed.
   *
   * @throws IllegalStateException if the JVM is already shutting down
   */
  public static synchronized void installHook() {
    if (!hookInstalled) {
      Thread hook = new Thread(Children::atExit, "mp4j-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      hookInstalled = true;
    }
  }

  private static void atExit() {
    List<Child> daemons = new ArrayList<>();
    List<Child> others = new ArrayList<>();
    for (Child c : LIVE) {
      (c.isDaemon() ? daemons : others).add(c);
    }
    try {
      daemons.forEach(Child::terminate);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DAEMON_GRACE_MILLIS);
      for (Child c : daemons) {
        if (!c.waitFor(Math.max(0, deadline - System.nanoTime()))) {
          c.kill();
          c.waitFor(-1);
        }
      }
      for (Child c : others) {
        c.waitFor(-1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      RuntimeDir.delete();
    }
  }
}
