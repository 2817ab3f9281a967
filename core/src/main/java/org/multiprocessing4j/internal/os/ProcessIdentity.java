package org.multiprocessing4j.internal.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Names a process so that a recycled pid is not mistaken for it: its pid plus its start time in
 * clock ticks since boot (field 22 of {@code /proc/<pid>/stat} on Linux).
 *
 * <p>Shared-memory structures record who owns a lock or a file this way, and others ask {@link
 * #isAlive(long, long)} before taking over what a dead owner left. The start time is read from the
 * kernel's fixed record of the process, not computed from the wall clock (as {@link
 * ProcessHandle.Info#startInstant()} is, which moves when the clock is adjusted), so every process
 * reads the same value for the same process. Where {@code /proc} is missing the start time is
 * {@link #UNKNOWN_START} and only the pid is compared.
 */
public final class ProcessIdentity {

  /** The start time recorded when the platform does not expose one. */
  public static final long UNKNOWN_START = 0;

  /** Pids fit in 22 bits on Linux ({@code pid_max} is at most 2^22). */
  public static final int PID_BITS = 22;

  private static final long PID_MASK = (1L << PID_BITS) - 1;

  private static final boolean PROC =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
          && Files.isReadable(Path.of("/proc/self/stat"));

  private static final long SELF_PID = ProcessHandle.current().pid();
  private static final long SELF_START = startTicks(SELF_PID);

  /** This process's token: see {@link #token(long, long)}. Never 0. */
  private static final long SELF_TOKEN = token(SELF_PID, SELF_START);

  private ProcessIdentity() {}

  /** Returns this process's pid. */
  public static long selfPid() {
    return SELF_PID;
  }

  /** Returns this process's start time in clock ticks since boot, or {@link #UNKNOWN_START}. */
  public static long selfStart() {
    return SELF_START;
  }

  /**
   * Returns this process's identity packed in one non-zero {@code long}, to be stored in a
   * shared-memory word: the pid in the low {@value #PID_BITS} bits, the start time above.
   */
  public static long selfToken() {
    return SELF_TOKEN;
  }

  /** Packs a pid and start time into a token; never 0 for a real pid. */
  public static long token(long pid, long startTicks) {
    return (startTicks << PID_BITS) | (pid & PID_MASK);
  }

  /** Returns the pid of a token. */
  public static long pidOf(long token) {
    return token & PID_MASK;
  }

  /** Returns the start time of a token. */
  public static long startOf(long token) {
    return token >>> PID_BITS;
  }

  /** Returns whether the process a token names still runs. */
  public static boolean isAlive(long token) {
    return isAlive(pidOf(token), startOf(token));
  }

  /**
   * Returns whether the process with this pid and start time still runs. A zombie (ended, not yet
   * reaped) counts as dead; so does a live process whose start time differs (the pid was reused).
   * With {@link #UNKNOWN_START} only the pid is checked.
   *
   * @param pid the pid
   * @param startTicks its start time, or {@link #UNKNOWN_START}
   * @return false if the process has certainly ended
   */
  public static boolean isAlive(long pid, long startTicks) {
    if (pid == SELF_PID) {
      return startTicks == UNKNOWN_START || startTicks == SELF_START;
    }
    if (!PROC) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    String[] stat = readStat(pid);
    if (stat == null) {
      return false;
    }
    if (stat.length < 20) {
      return true; // present but unreadable: assume alive
    }
    char state = stat[0].isEmpty() ? '?' : stat[0].charAt(0);
    if (state == 'Z' || state == 'X' || state == 'x') {
      return false;
    }
    return startTicks == UNKNOWN_START || parseStart(stat) == startTicks;
  }

  private static long startTicks(long pid) {
    if (!PROC) {
      return UNKNOWN_START;
    }
    String[] stat = readStat(pid);
    return stat == null ? UNKNOWN_START : parseStart(stat);
  }

  /**
   * Returns the fields after the command name (field 3 onwards): null if there is no such process,
   * an empty array if it exists but cannot be read.
   */
  private static String @Nullable [] readStat(long pid) {
    String text;
    try {
      text = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      // Present but unreadable (another user's process under hidepid).
      return new String[0];
    }
    // The command name (field 2) is in parentheses and may hold spaces or parentheses.
    int close = text.lastIndexOf(')');
    if (close < 0) {
      return new String[0];
    }
    return text.substring(close + 1).trim().split(" ");
  }

  /** Field 22 (starttime) is index 19 of the fields after the command name. */
  private static long parseStart(String[] fieldsFrom3) {
    if (fieldsFrom3.length < 20) {
      return UNKNOWN_START;
    }
    try {
      return Long.parseLong(fieldsFrom3[19]);
    } catch (NumberFormatException e) {
      return UNKNOWN_START;
    }
  }
}
