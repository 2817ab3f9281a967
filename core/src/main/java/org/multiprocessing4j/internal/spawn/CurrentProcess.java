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

  private CurrentProcess() {}

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
