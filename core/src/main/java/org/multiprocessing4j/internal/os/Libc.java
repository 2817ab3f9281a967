package org.multiprocessing4j.internal.os;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
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

  /** {@code SYS_futex}: 202 on x86-64, 98 on aarch64; 0 elsewhere (not linked). */
  private static final long SYS_FUTEX =
      switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 202;
        case "aarch64" -> 98;
        default -> 0;
      };

  /** {@code SYS_membarrier}: 324 on x86-64, 283 on aarch64; 0 elsewhere (not linked). */
  private static final long SYS_MEMBARRIER =
      switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 324;
        case "aarch64" -> 283;
        default -> 0;
      };

  /** {@code MEMBARRIER_CMD_QUERY}: the commands the kernel supports, as a bit mask. */
  public static final int MEMBARRIER_CMD_QUERY = 0;

  /**
   * {@code MEMBARRIER_CMD_GLOBAL_EXPEDITED}: a memory barrier on every running thread of every
   * process registered with {@link #MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED}.
   */
  public static final int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;

  /** {@code MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED}: this process receives those barriers. */
  public static final int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;

  /** {@code FUTEX_WAIT}: shared (no {@code FUTEX_PRIVATE_FLAG}), waiters are in other processes. */
  private static final long FUTEX_WAIT = 0;

  /** {@code FUTEX_WAKE}, shared. */
  private static final long FUTEX_WAKE = 1;

  /** {@code EAGAIN}: the futex word did not hold the expected value. */
  public static final int EAGAIN = 11;

  /** {@code EINTR}: a signal interrupted the wait. */
  public static final int EINTR = 4;

  /** {@code ETIMEDOUT}: the wait's timeout elapsed. */
  public static final int ETIMEDOUT = 110;

  /** Returned by the futex calls when futexes cannot be used here. */
  public static final int UNSUPPORTED = -1;

  private static final boolean LINUX =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

  private Libc() {}

  /** Lazily linked handles; linking costs a few milliseconds, paid only by the child. */
  private static final class Handles {
    static final Optional<MethodHandle> PRCTL =
        LINUX
            ? link(
                "prctl",
                FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1))
            : Optional.empty();
  }

  /** {@code int mkfifo(const char *path, mode_t mode)}, linked on first use (by a parent). */
  private static final class Mkfifo {
    static final Optional<MethodHandle> HANDLE =
        LINUX && Libc.class.getModule().isNativeAccessEnabled() // else JDK 25 prints a warning
            ? link(
                "mkfifo",
                FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT))
            : Optional.empty();
  }

  /** Links a C library function; empty if it cannot be found or linked. */
  private static Optional<MethodHandle> link(
      String function, FunctionDescriptor descriptor, Linker.Option... options) {
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find(function)
          .map(addr -> linker.downcallHandle(addr, descriptor, options));
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty();
    }
  }

  /** The {@code syscall} handles for futexes, linked on first use. */
  private static final class Futex {
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    static final VarHandle ERRNO =
        CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /**
     * {@code long syscall(long n, ...)} called as (n, uaddr, op, val, timeout*), errno captured.
     */
    static final Optional<MethodHandle> WAIT = link(true);

    /**
     * Per-thread native memory for a wait's timespec and captured errno: a wait after a timed-out
     * slice then allocates nothing. Freed by the garbage collector with its thread's map entry.
     */
    static final ThreadLocal<MemorySegment> SCRATCH =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16 + CAPTURE.byteSize(), 8));

    /** The same without errno capture, for wakes. */
    static final Optional<MethodHandle> WAKE = link(false);

    private static Optional<MethodHandle> link(boolean captureErrno) {
      if (!LINUX || SYS_FUTEX == 0 || !Libc.class.getModule().isNativeAccessEnabled()) {
        return Optional.empty();
      }
      FunctionDescriptor fd =
          FunctionDescriptor.of(
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.JAVA_LONG,
              ValueLayout.ADDRESS);
      return captureErrno
          ? Libc.link(
              "syscall",
              fd,
              Linker.Option.firstVariadicArg(1),
              Linker.Option.captureCallState("errno"))
          : Libc.link("syscall", fd, Linker.Option.firstVariadicArg(1));
    }
  }

  /**
   * Returns whether {@link #futexWait} and {@link #futexWake} work here: Linux on x86-64 or
   * aarch64, with native access enabled for this module.
   *
   * @return true if futexes can be used
   */
  public static boolean futexAvailable() {
    return Futex.WAIT.isPresent() && Futex.WAKE.isPresent();
  }

  /**
   * Blocks while the 32-bit word at {@code address} holds {@code expected}, at most {@code
   * timeoutNanos}: {@code futex(FUTEX_WAIT)} without the private flag, so that a wake from any
   * process mapping the same memory ends it. The calling thread cannot be interrupted while in the
   * call; keep timeouts short where interrupts matter. May return early for no reason.
   *
   * @param address the word's address; 4-byte aligned, in memory shared with the wakers
   * @param expected the value to wait on
   * @param timeoutNanos the longest wait; positive
   * @return 0 when woken, {@link #EAGAIN} if the word did not hold {@code expected}, {@link
   *     #ETIMEDOUT}, {@link #EINTR}, another errno, or {@link #UNSUPPORTED}
   */
  public static int futexWait(long address, int expected, long timeoutNanos) {
    Optional<MethodHandle> wait = Futex.WAIT;
    if (wait.isEmpty()) {
      return UNSUPPORTED;
    }
    try {
      MemorySegment scratch = Futex.SCRATCH.get();
      MemorySegment timespec = scratch.asSlice(0, 16);
      timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
      timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
      MemorySegment capture = scratch.asSlice(16, Futex.CAPTURE.byteSize());
      long r =
          (long)
              wait.get()
                  .invokeExact(capture, SYS_FUTEX, address, FUTEX_WAIT, (long) expected, timespec);
      return r == 0 ? 0 : (int) Futex.ERRNO.get(capture, 0L);
    } catch (Throwable t) {
      return UNSUPPORTED;
    }
  }

  /**
   * Wakes up to {@code count} threads, in any process, blocked in {@link #futexWait} on the word at
   * {@code address}.
   *
   * @param address the word's address
   * @param count how many to wake at most; {@link Integer#MAX_VALUE} for all
   * @return the number woken, a negative value on error, or {@link #UNSUPPORTED}
   */
  public static int futexWake(long address, int count) {
    Optional<MethodHandle> wake = Futex.WAKE;
    if (wake.isEmpty()) {
      return UNSUPPORTED;
    }
    try {
      return (int)
          (long)
              wake.get()
                  .invokeExact(SYS_FUTEX, address, FUTEX_WAKE, (long) count, MemorySegment.NULL);
    } catch (Throwable t) {
      return UNSUPPORTED;
    }
  }

  /** {@code long syscall(long n, ...)} called as (n, cmd, flags, cpu_id), linked on first use. */
  private static final class Membarrier {
    static final Optional<MethodHandle> HANDLE =
        LINUX && SYS_MEMBARRIER != 0 && Libc.class.getModule().isNativeAccessEnabled()
            ? link(
                "syscall",
                FunctionDescriptor.of(
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1))
            : Optional.empty();
  }

  /**
   * Calls {@code membarrier(2)} with {@code cmd} and no flags.
   *
   * @param cmd one of the {@code MEMBARRIER_CMD_} constants
   * @return the call's result (for {@link #MEMBARRIER_CMD_QUERY}, the supported commands), or
   *     {@link #UNSUPPORTED} (-1) if it failed or cannot be called here (not Linux on x86-64 or
   *     aarch64, no native access for this module)
   */
  public static long membarrier(int cmd) {
    Optional<MethodHandle> handle = Membarrier.HANDLE;
    if (handle.isEmpty()) {
      return UNSUPPORTED;
    }
    try {
      return (long) handle.get().invokeExact(SYS_MEMBARRIER, (long) cmd, 0L, 0L);
    } catch (Throwable t) {
      return UNSUPPORTED;
    }
  }

  /**
   * Makes a FIFO (named pipe) with {@code mkfifo(3)}.
   *
   * @param path where
   * @param mode its permission bits, such as {@code 0600}
   * @return 0 if made; {@link #UNSUPPORTED} if the call cannot be made here (not Linux, no native
   *     access for this module); another value if it failed (the path exists, the folder is not
   *     writable)
   */
  public static int mkfifo(String path, int mode) {
    Optional<MethodHandle> mkfifo = Mkfifo.HANDLE;
    if (mkfifo.isEmpty()) {
      return UNSUPPORTED;
    }
    try (Arena arena = Arena.ofConfined()) {
      int result = (int) mkfifo.get().invokeExact(arena.allocateFrom(path), mode);
      return result == UNSUPPORTED ? -2 : result; // mkfifo's own failure is -1 as well
    } catch (Throwable t) {
      return -2;
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
