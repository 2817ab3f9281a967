package org.multiprocessing4j.internal.os;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The few C library calls the library makes through the FFM API, on Linux only.
 *
 * <p>Restricted FFM methods need native access for this module ({@code
 * --enable-native-access=ALL-UNNAMED} on the class path, {@code
 * --enable-native-access=org.multiprocessing4j} on the module path); JDK 25 prints a warning
 * without it. Every call here degrades to "unsupported" rather than failing when the platform is
 * not Linux or the call cannot be linked.
 */
public final class Libc {

  /** {@code PR_SET_PDEATHSIG} from {@code <sys/prctl.h>}. */
  private static final int PR_SET_PDEATHSIG = 1;

  /** {@code SIGKILL}. */
  public static final int SIGKILL = 9;

  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

  private Libc() {}

  /** Lazily linked handles; linking costs a few milliseconds, paid only by the child. */
  private static final class Handles {
    static final Optional<MethodHandle> PRCTL = link();

    private static Optional<MethodHandle> link() {
      if (!LINUX) {
        return Optional.empty();
      }
      try {
        Linker linker = Linker.nativeLinker();
        return linker
            .defaultLookup()
            .find("prctl")
            .map(
                addr ->
                    linker.downcallHandle(
                        addr,
                        FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                        Linker.Option.firstVariadicArg(1)));
      } catch (RuntimeException | LinkageError e) {
        return Optional.empty();
      }
    }
  }

  /**
   * Asks the kernel to send {@code signal} to this process when the thread that created it ends
   * ({@code prctl(PR_SET_PDEATHSIG, signal)}).
   *
   * @param signal the signal number
   * @return true if the call was made and succeeded; false when unsupported or refused
   */
  public static boolean setParentDeathSignal(int signal) {
    Optional<MethodHandle> prctl = Handles.PRCTL;
    if (prctl.isEmpty()) {
      return false;
    }
    try {
      return (int) prctl.get().invokeExact(PR_SET_PDEATHSIG, (long) signal) == 0;
    } catch (Throwable t) {
      return false;
    }
  }
}
