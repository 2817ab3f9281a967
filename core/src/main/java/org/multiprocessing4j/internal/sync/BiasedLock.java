package org.multiprocessing4j.internal.sync;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.os.Libc;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * A {@link RobustLock} that one thread, the one that has been taking it alone, takes and releases
 * with plain stores and loads: no atomic instruction and no fence while no other thread wants it. A
 * biased lock between processes, for the locks of a queue that one producer and one consumer use.
 *
 * <pre>
 *   offset +0   RobustLock (16 bytes)  the inner lock: every thread but the biased one takes it
 *          +16  long BIAS_OWNER        token of the biased thread's process
 *          +24  int  STATE             generation &lt;&lt; 2 | phase (UNBIASED, BIASED, REVOKING)
 *          +28  int  BUSY              1 while the biased thread is inside (a futex word)
 *          +32  long LAST_OWNER        process token and thread id of the last holder
 *          +40  long LAST_THREAD         through the inner lock,
 *          +48  int  STREAK            and how many times in a row it took it
 *          +52  int  THRESHOLD         the streak that earns the bias (0: BIAS_AFTER)
 *          +56  int  ACK               the last generation whose biased thread stepped aside
 * </pre>
 *
 * <h2>Design</h2>
 *
 * Quickly reacquirable locks (Dice, Moir and Scherer) across processes, on unless the biased
 * thread's process runs with {@code mp4j.bias=false} ({@link HeavyFence#available()}): measured, it
 * sped up one producer and one consumer and left two of each as they were (docs/benchmarks.md,
 * "Biased locks"; an earlier series on a slower machine had two of each slower). A thread that
 * takes the inner lock {@link #THRESHOLD} times in a row, with nobody else taking it between, is
 * given the bias: STATE becomes BIASED with a new generation, and the thread remembers that
 * generation in this process (in the state every lock object of this process over that lock
 * shares). From then on it locks by storing BUSY = 1 and reading STATE: if STATE still holds its
 * generation and BIASED, it holds the lock; it unlocks by storing BUSY = 0. Any other thread takes
 * the inner lock first, then, if the lock is biased, revokes the bias: it stores REVOKING, runs a
 * {@linkplain HeavyFence#heavy() heavy fence}, and waits until BUSY reads 0. The fast side's "store
 * BUSY, load STATE" against the revoker's "store STATE, heavy fence, load BUSY" is {@link
 * HeavyFence}'s asymmetric Dekker handshake: either the biased thread sees REVOKING and steps out,
 * or the revoker sees BUSY = 1 and waits for the unlock. The biased thread's stores to BUSY are
 * release stores and the revoker's load of it an acquire load, so what the biased thread did inside
 * is visible to the revoker. A revocation doubles THRESHOLD (up to MAX_THRESHOLD), so a lock that
 * threads keep taking from each other stops being biased.
 *
 * <p>A biased thread that finds its bias revoked (on its next lock or at its unlock) stores BUSY =
 * 0 and writes its generation to ACK: from then on it never writes BUSY again for that generation.
 * A new bias, to any thread, is given only after that acknowledgement (or once the biased process
 * is dead): before it, the old biased thread may be between its BUSY store and its STATE load, and
 * a late "BUSY = 0" of its own could hide the new biased thread's BUSY = 1 from a revoker. A biased
 * thread that never locks again (it ended) leaves the lock unbiased for good: then every thread
 * takes the inner lock, as a plain RobustLock.
 *
 * <p>The compiler must keep the biased thread's load of STATE after its store to BUSY: {@link
 * VarHandle#acquireFence()} between them is a barrier for every memory access in HotSpot's
 * compilers and emits no instruction on x86 (the processor may still let the load pass the store;
 * the heavy fence is what rules that out). The store to BUSY is a plain one: an opaque store
 * through a memory segment's var handle cost a fence there, and with it the biased path was no
 * faster than the compareAndSets (QueueDepth, 4 runs each).
 *
 * <h2>Failure</h2>
 *
 * A biased process that dies holding the lock leaves BUSY = 1: the revoker, waiting for BUSY,
 * checks whether BIAS_OWNER's process lives (as {@link RobustLock} checks its holder) and, if not,
 * clears BUSY and returns {@link RobustLock#RECOVERED}: the caller repairs as after any dead
 * holder. A revoker that dies leaves STATE at REVOKING, and the inner lock's next holder (which
 * gets RECOVERED from the inner lock) finishes the revocation. Without heavy fences (see {@link
 * HeavyFence#available()}) no thread is ever given the bias. A process run with {@code
 * mp4j.bias=false} is given none, but still fences when it revokes and its turns end the other
 * threads' streaks. A process that cannot call membarrier(2) at all (a parent without native
 * access) sets THRESHOLD to NEVER when it first uses the lock, so no bias is given from then on; a
 * bias given before (the lock was biased before that process attached) it revokes without the fence
 * by waiting for ACK instead of BUSY: until the biased thread locks or unlocks again, or its
 * process dies.
 *
 * <p>Like RobustLock, only the thread that locked may unlock.
 */
public final class BiasedLock {

  /** Bytes taken in shared memory. */
  public static final int LENGTH = 64;

  /** The streak through the inner lock that first earns the bias. */
  static final int BIAS_AFTER = 16;

  /** The longest streak a lock whose bias was revoked often asks for. */
  static final int MAX_THRESHOLD = 1 << 20;

  /** THRESHOLD of a lock that is never to be biased again (a process without heavy fences). */
  static final int NEVER = -1;

  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private static final long BIAS_OWNER = 16;
  private static final long STATE = 24;
  private static final long BUSY = 28;
  private static final long LAST_OWNER = 32;
  private static final long LAST_THREAD = 40;
  private static final long STREAK = 48;
  private static final long THRESHOLD = 52;
  private static final long ACK = 56;

  private static final int UNBIASED = 0;
  private static final int BIASED = 1;
  private static final int REVOKING = 2;
  private static final int PHASE = 3;

  private final MemorySegment memory;
  private final long offset;
  private final long busyAddress;
  private final RobustLock inner;
  private final LocalBias local;

  /**
   * This process's side of one lock's bias, shared by every BiasedLock object of this process over
   * that lock (a queue whose handle arrives twice attaches its file twice): a biased thread must
   * find its bias through any of them, or it would never step aside through the others and the lock
   * would stay unbiased for good. Written and read by the biased thread only; other threads read
   * {@code thread} and find it is not theirs, whatever value they see.
   */
  private static final class LocalBias {
    final @Nullable Path file; // the file the lock lives in, or null
    @Nullable Thread thread;
    int state; // STATE while the bias holds: generation << 2 | BIASED
    boolean heldFast; // the biased thread holds the lock through its bias

    LocalBias(@Nullable Path file) {
      this.file = file;
    }

    /**
     * Whether no lock object can need this entry again: nothing is biased to this process through
     * it, or the thread it is biased to has ended (a lock object of any thread of this process then
     * revokes that bias as another process would), or the lock's file is gone (its queue was
     * released: no handle attaches to it again).
     */
    boolean forgettable() {
      Thread t = thread;
      return t == null || !t.isAlive() || (file != null && !Files.exists(file));
    }
  }

  /**
   * LocalBias by lock key, held strongly: a biased thread's bias must outlive the lock objects it
   * was used through (a queue handle that arrives with each job is attached anew each time).
   * {@linkplain LocalBias#forgettable() Forgettable} entries are dropped each time LOCAL_PURGE more
   * keys were added (a lock object that still uses one then only loses its bias, which any other
   * would also cost it), so that a process that makes and uses many short-lived queues does not
   * keep an entry, and a thread, for each of them.
   */
  private static final Map<String, LocalBias> LOCAL = new HashMap<>();

  /** How many keys are added to LOCAL between two purges of its forgettable entries. */
  static final int LOCAL_PURGE = 256;

  /** Keys added to LOCAL so far. Guarded by LOCAL. */
  private static long added;

  /**
   * Uses {@link #LENGTH} bytes at {@code offset} of {@code memory}.
   *
   * @param memory shared memory; zero-filled means unlocked and unbiased
   * @param offset an 8-byte aligned offset
   * @param key names the lock in this process, the same for every mapping of it (its file's name
   *     and the offset, say)
   */
  public BiasedLock(MemorySegment memory, long offset, String key) {
    this(memory, offset, key, null);
  }

  /**
   * Uses {@link #LENGTH} bytes at {@code offset} of {@code memory}, which maps {@code file}.
   *
   * @param memory shared memory; zero-filled means unlocked and unbiased
   * @param offset an 8-byte aligned offset
   * @param key names the lock in this process, the same for every mapping of it
   * @param file the file {@code memory} maps, or null: once it is gone, this process may forget its
   *     side of the lock's bias (see LOCAL)
   */
  public BiasedLock(MemorySegment memory, long offset, String key, @Nullable Path file) {
    this.inner = new RobustLock(memory, offset);
    this.memory = memory;
    this.offset = offset;
    this.busyAddress = memory.address() + offset + BUSY;
    this.local = localBias(key, file);
    if (!HeavyFence.supported()) {
      // This process cannot revoke a bias safely: no lock it uses is to be biased from now on.
      INT.getAndSet(memory, offset + THRESHOLD, NEVER);
    }
  }

  private static LocalBias localBias(String key, @Nullable Path file) {
    synchronized (LOCAL) {
      LocalBias bias = LOCAL.get(key);
      if (bias == null) {
        if (++added % LOCAL_PURGE == 0) {
          LOCAL.values().removeIf(LocalBias::forgettable);
        }
        bias = new LocalBias(file);
        LOCAL.put(key, bias);
      }
      return bias;
    }
  }

  /** Returns whether this process keeps bias state for the lock named {@code key} (for tests). */
  static boolean remembers(String key) {
    synchronized (LOCAL) {
      return LOCAL.containsKey(key);
    }
  }

  /**
   * Acquires the lock for the calling thread, waiting at most {@code timeoutNanos}.
   *
   * @param timeoutNanos the longest wait; {@link Waiting#FOREVER} never times out
   * @return {@link RobustLock#ACQUIRED}, {@link RobustLock#RECOVERED} (the previous holder died
   *     holding it) or {@link RobustLock#TIMED_OUT}
   * @throws InterruptedException if interrupted while waiting; the lock is not held
   */
  public int lock(long timeoutNanos) throws InterruptedException {
    LocalBias bias = local;
    if (bias.thread == Thread.currentThread() && enterBiased(bias)) {
      return RobustLock.ACQUIRED;
    }
    return lockSlow(timeoutNanos);
  }

  /**
   * Acquires the lock, however long it takes; an interrupt does not end the wait but is kept.
   *
   * @return {@link RobustLock#ACQUIRED} or {@link RobustLock#RECOVERED}
   */
  public int lockUninterruptibly() {
    return RobustLock.uninterruptibly(this::lock);
  }

  /**
   * Releases the lock.
   *
   * @throws IllegalStateException if the calling thread's process does not hold it
   */
  public void unlock() {
    LocalBias bias = local;
    if (bias.thread == Thread.currentThread() && bias.heldFast) {
      bias.heldFast = false;
      INT.setRelease(memory, offset + BUSY, 0);
      VarHandle.acquireFence(); // a compiler barrier: see the notes
      if ((int) INT.getAcquire(memory, offset + STATE) != bias.state) {
        stepAside(bias);
      }
      return;
    }
    inner.unlock();
  }

  /** Returns whether the lock is biased or its bias is being revoked (a volatile read). */
  public boolean isBiased() {
    return ((int) INT.getVolatile(memory, offset + STATE) & PHASE) != UNBIASED;
  }

  /** Returns the pid of the holder's process, or 0 if free. */
  public long holderPid() {
    if ((int) INT.getVolatile(memory, offset + BUSY) != 0
        && ((int) INT.getVolatile(memory, offset + STATE) & PHASE) != UNBIASED) {
      return ProcessIdentity.pidOf((long) LONG.getVolatile(memory, offset + BIAS_OWNER));
    }
    return inner.holderPid();
  }

  /** Returns whether the calling thread holds the lock through its bias (for tests). */
  boolean isHeldThroughBias() {
    return local.thread == Thread.currentThread() && local.heldFast;
  }

  /** Returns whether the calling thread has the bias (for tests). */
  boolean isBiasedToCurrentThread() {
    return local.thread == Thread.currentThread()
        && (int) INT.getVolatile(memory, offset + STATE) == local.state;
  }

  /** The biased thread's lock: BUSY, then STATE (see the notes). */
  private boolean enterBiased(LocalBias bias) {
    // A plain store: an opaque one on shared memory cost a fence here, as much as the CAS.
    INT.set(memory, offset + BUSY, 1);
    VarHandle.acquireFence(); // a compiler barrier: the load stays after the store
    if ((int) INT.getAcquire(memory, offset + STATE) == bias.state) {
      bias.heldFast = true;
      return true;
    }
    stepAside(bias);
    return false;
  }

  /**
   * The biased thread found its bias revoked: out of BUSY, wakes the revoker, acknowledges, and
   * forgets the bias.
   */
  private void stepAside(LocalBias bias) {
    INT.setRelease(memory, offset + BUSY, 0);
    VarHandle.acquireFence();
    if (((int) INT.getAcquire(memory, offset + STATE) & PHASE) == REVOKING) {
      Libc.futexWake(busyAddress, Integer.MAX_VALUE);
    }
    // Forget the bias before acknowledging: once ACK is visible, another thread of this process
    // may be given a new bias through this same LocalBias, which a later "thread = null" of ours
    // would take from it (even while it holds the lock through the bias: its unlock would then
    // release the inner lock, which it does not hold).
    bias.thread = null;
    INT.setRelease(memory, offset + ACK, bias.state >>> 2);
  }

  private int lockSlow(long timeoutNanos) throws InterruptedException {
    long start = timeoutNanos == Waiting.FOREVER ? 0 : System.nanoTime();
    int r = inner.lock(timeoutNanos);
    if (r == RobustLock.TIMED_OUT) {
      return r;
    }
    boolean held = false;
    try {
      int state = (int) INT.getAcquire(memory, offset + STATE);
      if ((state & PHASE) != UNBIASED) {
        int revoked = revoke(state, Waiting.remaining(start, timeoutNanos));
        if (revoked == RobustLock.TIMED_OUT) {
          return revoked;
        }
        if (revoked == RobustLock.RECOVERED) {
          r = revoked;
        }
      } else {
        countStreak(state);
      }
      held = true;
      return r;
    } finally {
      if (!held) {
        inner.unlock();
      }
    }
  }

  /**
   * Takes the bias away, holding the inner lock: waits until the biased thread is out.
   *
   * @return ACQUIRED, RECOVERED (the biased process died inside) or TIMED_OUT (still REVOKING)
   */
  private int revoke(int state, long timeoutNanos) throws InterruptedException {
    int revoking = (state & ~PHASE) | REVOKING;
    if (state != revoking) {
      INT.setVolatile(memory, offset + STATE, revoking);
      doubleThreshold();
    }
    // Without the heavy fence, BUSY = 0 proves nothing (the biased thread's store may still be on
    // its way): wait instead until it has stepped aside, which it does on its next lock or unlock.
    int r = awaitBiasedThread(HeavyFence.heavy(), state >>> 2, timeoutNanos);
    if (r != RobustLock.TIMED_OUT) {
      INT.setRelease(memory, offset + STATE, state & ~PHASE); // UNBIASED, same generation
    }
    return r;
  }

  /**
   * Waits until the biased thread of {@code generation} is out: until BUSY reads 0 ({@code fenced}:
   * after a heavy fence) or until it has acknowledged stepping aside (without one), or until its
   * process is dead (then BUSY is cleared, and RECOVERED returned if it was inside).
   */
  private int awaitBiasedThread(boolean fenced, int generation, long timeoutNanos)
      throws InterruptedException {
    long owner = (long) LONG.getAcquire(memory, offset + BIAS_OWNER);
    long start = System.nanoTime();
    long nextLivenessCheck = start + RobustLock.LIVENESS_CHECK_NANOS;
    boolean futex = fenced && Waiting.futexForCurrentThread(); // it wakes BUSY's waiters only
    long slice = Waiting.PARK_MIN_NANOS;
    while (fenced
        ? (int) INT.getAcquire(memory, offset + BUSY) != 0
        : (int) INT.getAcquire(memory, offset + ACK) != generation) {
      long now = System.nanoTime();
      if (now - nextLivenessCheck >= 0) {
        nextLivenessCheck = now + RobustLock.LIVENESS_CHECK_NANOS;
        if (!ProcessIdentity.isAlive(owner)) {
          boolean inside = (int) INT.getAcquire(memory, offset + BUSY) != 0;
          INT.setRelease(memory, offset + BUSY, 0);
          return inside ? RobustLock.RECOVERED : RobustLock.ACQUIRED;
        }
      }
      long remaining = Waiting.remaining(start, timeoutNanos);
      if (remaining <= 0) {
        return RobustLock.TIMED_OUT;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (now - start < Waiting.SPIN_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      long wait = Math.min(Math.min(remaining, slice), RobustLock.LIVENESS_CHECK_NANOS);
      if (futex) {
        Libc.futexWait(busyAddress, 1, wait);
      } else {
        LockSupport.parkNanos(this, wait);
      }
      slice = Math.min(slice * 2, Waiting.PARK_MAX_NANOS);
    }
    return RobustLock.ACQUIRED;
  }

  /**
   * Counts the calling thread's streak through the inner lock, holding it, and gives it the bias
   * once the streak reaches THRESHOLD and the last biased thread (if any) has stepped aside.
   */
  private void countStreak(int state) {
    int threshold = threshold();
    if (threshold == NEVER) {
      return; // no streak earns a bias: nothing to count
    }
    long me = ProcessIdentity.selfToken();
    long thread = Thread.currentThread().threadId();
    int streak = 1;
    if ((long) LONG.get(memory, offset + LAST_OWNER) == me
        && (long) LONG.get(memory, offset + LAST_THREAD) == thread) {
      streak = (int) INT.get(memory, offset + STREAK) + 1;
    } else {
      LONG.set(memory, offset + LAST_OWNER, me);
      LONG.set(memory, offset + LAST_THREAD, thread);
    }
    // A thread that may not take a bias (mp4j.bias=false) still counts: its turns end others'
    // streaks, which mean that nobody else took the lock between.
    if (streak < threshold || !HeavyFence.available()) {
      INT.set(memory, offset + STREAK, Math.min(streak, threshold));
      return;
    }
    INT.set(memory, offset + STREAK, 0);
    int generation = state >>> 2;
    if (generation != 0
        && (int) INT.getAcquire(memory, offset + ACK) != generation
        && ProcessIdentity.isAlive((long) LONG.getAcquire(memory, offset + BIAS_OWNER))) {
      // The last biased thread has not stepped aside (it has not locked since): ask for more.
      doubleThreshold();
      return;
    }
    if (!HeavyFence.registerThisProcess()) {
      return;
    }
    int biased = ((generation + 1) << 2) | BIASED;
    LONG.setRelease(memory, offset + BIAS_OWNER, me);
    local.state = biased;
    local.thread = Thread.currentThread();
    INT.setRelease(memory, offset + STATE, biased);
  }

  /** Doubles THRESHOLD, unless it is NEVER. Call holding the inner lock. */
  private void doubleThreshold() {
    int raw = (int) INT.getAcquire(memory, offset + THRESHOLD);
    if (raw != NEVER) { // a compareAndSet: a process without heavy fences may set NEVER meanwhile
      int from = raw == 0 ? BIAS_AFTER : raw;
      INT.compareAndSet(memory, offset + THRESHOLD, raw, Math.min(MAX_THRESHOLD, 2 * from));
    }
  }

  private int threshold() {
    int t = (int) INT.getAcquire(memory, offset + THRESHOLD);
    return t == 0 ? BIAS_AFTER : t;
  }

  @Override
  public String toString() {
    int state = (int) INT.getVolatile(memory, offset + STATE);
    return (state & PHASE) == UNBIASED
        ? inner.toString()
        : "BiasedLock[biased to pid "
            + ProcessIdentity.pidOf((long) LONG.getVolatile(memory, offset + BIAS_OWNER))
            + ((int) INT.getVolatile(memory, offset + BUSY) != 0 ? ", held]" : ", free]");
  }
}
