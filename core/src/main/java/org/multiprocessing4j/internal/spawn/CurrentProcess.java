package org.multiprocessing4j.internal.spawn;

import org.jspecify.annotations.Nullable;

/**
 * Holds the process object this JVM runs as a child: set once by {@link ChildMain} before the
 * target runs, read by {@code JvmProcess.current()}. Null in a JVM that was not started by the
 * library.
 */
public final class CurrentProcess {

  private static volatile @Nullable Object current;
  private static volatile long parentPid = -1;

  /** Makes the child's copy of a plain process object from a compact LAUNCH. */
  public interface Copier {
    /**
     * Returns a process object as Java serialization would have made it in the child.
     *
     * @param target a {@code ProcessTarget}
     */
    Object copy(
        String name, boolean daemon, String identity, @Nullable String parentName, Object target);
  }

  /** Set by {@code JvmProcess}'s class initializer, which {@link #copyOf} runs. */
  private static volatile @Nullable Copier copier;

  private CurrentProcess() {}

  /**
   * Registers how {@link CompactLaunch} payloads become process objects; called once, by {@code
   * JvmProcess}, whose constructors are not reachable from here.
   *
   * @param c the copier
   */
  public static void setCopier(Copier c) {
    if (copier == null) {
      copier = c;
    }
  }

  /** Returns the process object a compact LAUNCH describes. */
  static Object copyOf(CompactLaunch.Parts parts, ClassLoader loader)
      throws ClassNotFoundException {
    Copier c = copier;
    if (c == null) {
      Class.forName("org.multiprocessing4j.JvmProcess", true, loader); // registers it
      c = copier;
      if (c == null) {
        throw new IllegalStateException("JvmProcess did not register its copier");
      }
    }
    return c.copy(
        parts.name(), parts.daemon(), parts.identity(), parts.parentName(), parts.target());
  }

  /** Returns the process object this JVM runs, or null in a main JVM. */
  public static @Nullable Object get() {
    return current;
  }

  /** Returns the pid of the JVM that started this one, or -1 in a main JVM. */
  public static long parentPid() {
    return parentPid;
  }

  static void set(Object process, long parent) {
    parentPid = parent;
    current = process;
  }
}
