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
 * <p>Available on Linux 4.16 and later, with native access enabled for this module; the system
 * property {@code mp4j.bias=false} keeps this process from relying on them as the fast side (no
 * {@link BiasedLock} is biased to its threads), while it still runs them as the slow side.
 */
public final class HeavyFence {

  /** Whether the kernel runs heavy fences for this process. */
  private static final boolean SUPPORTED = probe();

  /**
   * Whether this process may rely on them as the fast side. Turning that off does not turn off the
   * slow side: other processes (children do not inherit the property) may still rely on them.
   */
  private static final boolean ENABLED =
      SUPPORTED && !"false".equalsIgnoreCase(System.getProperty("mp4j.bias"));

  /** Whether this process receives heavy fences (registered). */
  private static volatile boolean registered;

  private HeavyFence() {}

  private static boolean probe() {
    long commands = Libc.membarrier(Libc.MEMBARRIER_CMD_QUERY);
    int needed =
        Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED | Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    return commands >= 0 && (commands & needed) == needed;
  }

  /**
   * Returns whether this process may rely on heavy fences as the fast side: they work here, and the
   * system property {@code mp4j.bias} is not {@code false}.
   */
  public static boolean available() {
    return ENABLED;
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
      if (!registered && ENABLED) {
        registered = Libc.membarrier(Libc.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
      }
      return registered;
    }
  }

  /**
   * The slow side's fence: returns once every running thread of every registered process has run a
   * full memory barrier. Does nothing where the kernel does not run them (no process then relies on
   * them); runs whatever this process's {@code mp4j.bias} says, since other processes may rely on
   * them. Costs a system call and, per CPU running a registered process, an interrupt: 0.4 to 3 µs
   * on this project's machines.
   */
  public static void heavy() {
    if (SUPPORTED) {
      Libc.membarrier(Libc.MEMBARRIER_CMD_GLOBAL_EXPEDITED);
    }
  }
}
