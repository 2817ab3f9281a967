package org.multiprocessing4j.internal.sync;

import org.multiprocessing4j.internal.os.Libc;

/**
 * Asymmetric fences between processes: the fast side of a Dekker-style handshake orders its store
 * before its load with no fence instruction, and the slow side makes up for it with {@code
 * membarrier(2)}, which runs a full memory barrier on every CPU that is running a thread of a
 * registered process.
 *
 * <p>The pattern: the fast side stores its flag, then (after a compiler barrier only) loads the
 * other's; the slow side stores its flag, calls {@link #heavy()}, then loads the fast side's. When
 * {@link #heavy()} returns, every fast-side store that preceded the barrier on its CPU is visible,
 * and every fast-side load after it sees the slow side's store; a fast-side thread that was not
 * running passed a context switch, itself a full barrier. So either the slow side sees the fast
 * side's flag or the fast side sees the slow side's, as with fences on both sides. The fast side
 * must run in a process that {@linkplain #registerThisProcess() registered} before it started
 * relying on this. (The JVM itself uses {@code membarrier} in the same way for its own thread state
 * handshakes, {@code -XX:+UseSystemMemoryBarrier}.)
 *
 * <p>Available on Linux 4.16 and later, with native access enabled for this module. The system
 * property {@code mp4j.bias=false} turns off this process's fast sides (its threads are then never
 * given a lock's bias: {@link #available()}); they are on by default. The slow sides run whatever
 * that property says: {@link #heavy()} still fences wherever the kernel can, because the processes
 * a lock or queue is shared with may not have the property set, and their biased threads rely on
 * this process's heavy fences as much as on their own. The property {@code mp4j.heavyFence=false}
 * makes this process one without them (as one without native access), for tests and diagnosis.
 */
public final class HeavyFence {

  /** Whether membarrier(2) works here: {@link #heavy()} fences. */
  private static final boolean SUPPORTED = probe();

  /** Whether this process's threads may be the fast side: supported, and turned on. */
  private static volatile boolean enabled =
      SUPPORTED && !"false".equalsIgnoreCase(System.getProperty("mp4j.bias"));

  /** Whether this process receives heavy fences (registered). */
  private static volatile boolean registered;

  private HeavyFence() {}

  private static boolean probe() {
    if ("false".equalsIgnoreCase(System.getProperty("mp4j.heavyFence"))) {
      return false; // as a process without native access: for tests and diagnosis
    }
    long commands = Libc.membarrier(Libc.MEMBARRIER_CMD_QUERY);
    int needed =
        Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED | Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    return commands >= 0 && (commands & needed) == needed;
  }

  /** Returns whether heavy fences work here ({@link #heavy()} fences). */
  public static boolean supported() {
    return SUPPORTED;
  }

  /**
   * Returns whether heavy fences work here and this process may rely on them as the fast side
   * (unless {@code mp4j.bias=false}).
   */
  public static boolean available() {
    return enabled;
  }

  /** Turns this process's fast sides on or off (for tests: the property is read once). */
  static void enableForTests(boolean on) {
    enabled = SUPPORTED && on;
  }

  /**
   * Registers this process to receive heavy fences, once; call before a thread of it relies on them
   * as the fast side.
   *
   * @return whether this process receives them
   */
  public static boolean registerThisProcess() {
    if (registered) {
      return true;
    }
    synchronized (HeavyFence.class) {
      if (!registered && available()) {
        registered = Libc.membarrier(Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
      }
      return registered;
    }
  }

  /**
   * The slow side's fence: returns once every running thread of every registered process has run a
   * full memory barrier. Fences whether or not this process may be the fast side ({@code mp4j.bias}
   * turns on only that). Does nothing where membarrier(2) cannot be called. Costs a system call
   * and, per CPU running a registered process, an interrupt: 0.4 to 3 µs on this project's
   * machines.
   *
   * @return whether it fenced
   */
  public static boolean heavy() {
    return SUPPORTED && Libc.membarrier(Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
  }
}
