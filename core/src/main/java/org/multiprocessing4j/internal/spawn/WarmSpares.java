package org.multiprocessing4j.internal.spawn;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Spare child JVMs, launched ahead of time and waiting for their LAUNCH frame, so that a launch
 * with {@link LaunchSpec#warmSpares()} above zero only sends its process object and waits for
 * STARTED.
 *
 * <h2>Design</h2>
 *
 * One pool per {@link Key}: what the child's command line and streams depend on (JVM options, extra
 * class path, environment, working directory, output kinds, AOT cache on or off). The name, daemon
 * flag and target travel in the LAUNCH payload, so a spare can become any process launched with
 * those options. Outputs to files cannot use spares (the file would be opened, and truncated,
 * before the process it belongs to exists). A spare has done everything {@link ChildMain} does
 * before LAUNCH: PR_SET_PDEATHSIG, the parent-pid check, connecting, installing its signal handlers
 * and shutdown report.
 *
 * <h2>Lifecycle of a spare</h2>
 *
 * <pre>
 *   SPAWNING (on the mp4j-spares thread; the fork itself on the Spawner thread, so that
 *       PR_SET_PDEATHSIG follows a thread that lives as long as this JVM)
 *     -> IDLE (connected, in its pool's queue; counted nowhere else, not in activeChildren)
 *     -> TAKEN by {@link #take} (then a Child: registered in Children once STARTED)
 *   or -> DEAD (exited while idle: dropped; three in a row stop the pool's replenishing)
 *   or -> KILLED at this JVM's exit by the mp4j-spares-exit hook, or when its pool closes
 * </pre>
 *
 * A pool replenishes itself, one spare at a time, up to the latest {@code warmSpares} asked for
 * with its key. After a {@link #take}, the replacement starts {@link #REPLENISH_DELAY_MILLIS} after
 * the taken spare reported STARTED ({@link #launched}), not at once: on a small machine a JVM
 * booting next to it would slow the very process the spare was kept for. Spares start one after the
 * other, never many at once, so that a burst of starts does not become a burst of JVM boots.
 *
 * <h2>Failure</h2>
 *
 * A spare that cannot be spawned (a bad JVM option, a missing class) marks its pool broken:
 * launches then spawn as if there were no spares and report the error themselves. If this JVM is
 * killed, the spares die as children do: the kernel's death signal, their control channel's end of
 * stream and their parent-pid poll.
 */
public final class WarmSpares {

  /** Unexpected deaths of idle spares in a row after which a pool stops replenishing. */
  private static final int MAX_DEATHS_IN_A_ROW = 3;

  private static final Map<Key, Pool> POOLS = new ConcurrentHashMap<>();
  private static final AtomicLong NAMES = new AtomicLong();
  private static final AtomicLong TAKEN = new AtomicLong();

  /** How long after a taken spare reported STARTED its replacement starts. */
  static final long REPLENISH_DELAY_MILLIS = 100;

  /** Spawns spares one at a time; a daemon, so that it never keeps this JVM alive. */
  private static final ScheduledExecutorService SPAWNER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "mp4j-spares");
            t.setDaemon(true);
            return t;
          });

  private static boolean hookInstalled; // guarded by WarmSpares.class
  private static volatile boolean exiting;

  private WarmSpares() {}

  /**
   * What a spare's command line and streams depend on.
   *
   * @param jvmOptions the user's JVM options
   * @param extraClassPath extra class path entries
   * @param environment extra environment variables
   * @param workingDirectory the working directory
   * @param stdout the standard output kind
   * @param stderr the standard error kind
   * @param aotCache whether the AOT cache is on
   * @param preload the classes the spares load while they wait
   */
  record Key(
      List<String> jvmOptions,
      List<Path> extraClassPath,
      Map<String, String> environment,
      @Nullable Path workingDirectory,
      LaunchSpec.SinkKind stdout,
      LaunchSpec.SinkKind stderr,
      boolean aotCache,
      List<String> preload) {

    static @Nullable Key of(LaunchSpec spec) {
      if (isFile(spec.stdout()) || isFile(spec.stderr())) {
        return null;
      }
      return new Key(
          List.copyOf(spec.jvmOptions()),
          List.copyOf(spec.extraClassPath()),
          Map.copyOf(spec.environment()),
          spec.workingDirectory(),
          spec.stdout().kind(),
          spec.stderr().kind(),
          spec.aotCache(),
          List.copyOf(spec.preload()));
    }

    private static boolean isFile(LaunchSpec.Sink sink) {
      return sink.kind() == LaunchSpec.SinkKind.FILE || sink.kind() == LaunchSpec.SinkKind.APPEND;
    }
  }

  /**
   * Takes a ready spare for this launch, or returns null (no spare ready, spares not wanted, or not
   * possible for these options) and has the pool filled; the first call for a key creates its pool.
   * The caller of a take that returned a spare calls {@link #launched} once the launch is over, to
   * have the spare replaced.
   *
   * @param spec the launch
   * @return a connected JVM waiting for LAUNCH, no longer owned by the pool, or null
   */
  static @Nullable SpawnedJvm take(LaunchSpec spec) {
    if (spec.warmSpares() <= 0 || exiting) {
      return null;
    }
    Key key = Key.of(spec);
    if (key == null) {
      return null;
    }
    Pool pool = POOLS.computeIfAbsent(key, Pool::new);
    SpawnedJvm spare = pool.take(spec);
    if (spare != null) {
      TAKEN.incrementAndGet();
    } else {
      pool.replenish(spec, 0); // nothing taken: fill the pool now
    }
    return spare;
  }

  /**
   * Tells the pool of this launch that its process has started (or failed to), so that the spare it
   * took, if any, is replaced; a launch that took a spare must call it.
   *
   * @param spec the launch
   */
  static void launched(LaunchSpec spec) {
    Key key = spec.warmSpares() > 0 ? Key.of(spec) : null;
    Pool pool = key == null ? null : POOLS.get(key);
    if (pool != null) {
      pool.replenish(spec, REPLENISH_DELAY_MILLIS);
    }
  }

  /**
   * Returns the pids of the idle spares of every pool; for tests and diagnostics.
   *
   * @return a new list
   */
  public static List<Long> idlePids() {
    List<Long> pids = new ArrayList<>();
    for (Pool p : POOLS.values()) {
      pids.addAll(p.idlePids());
    }
    return pids;
  }

  /**
   * Returns how many launches used a spare since this JVM started; for tests and benchmarks.
   *
   * @return the count
   */
  public static long taken() {
    return TAKEN.get();
  }

  /**
   * Waits until every pool holds as many idle spares as it wants, or cannot (broken); for tests and
   * benchmarks, which must not measure while a spare boots in the background.
   *
   * @param timeout how long to wait at most
   * @return true if every pool is full
   * @throws InterruptedException if interrupted while waiting
   */
  public static boolean awaitFull(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean full = true;
      for (Pool p : POOLS.values()) {
        full &= p.isFull();
      }
      if (full) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(10);
    }
  }

  /**
   * Kills every idle spare and forgets every pool; later launches start new pools. For tests, and
   * for this JVM's exit.
   */
  public static void closeAll() {
    for (Key k : List.copyOf(POOLS.keySet())) {
      Pool p = POOLS.remove(k);
      if (p != null) {
        p.close();
      }
    }
  }

  private static synchronized void installHook() {
    if (!hookInstalled) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    exiting = true;
                    closeAll();
                  },
                  "mp4j-spares-exit"));
      hookInstalled = true;
    }
  }

  /** The spares of one key. */
  private static final class Pool {
    private final Key key;
    private final ArrayDeque<SpawnedJvm> idle = new ArrayDeque<>(); // guarded by this
    private int wanted; // guarded by this
    private int spawning; // guarded by this
    private int deathsInARow; // guarded by this
    private boolean broken; // guarded by this
    private boolean closed; // guarded by this

    Pool(Key key) {
      this.key = key;
    }

    @Nullable SpawnedJvm take(LaunchSpec spec) {
      SpawnedJvm spare = null;
      synchronized (this) {
        wanted = spec.warmSpares();
        while (!idle.isEmpty()) {
          SpawnedJvm s = idle.poll();
          if (s.process.isAlive()) {
            spare = s;
            deathsInARow = 0;
            break;
          }
          s.discard(); // died idle; onExit will count it
        }
      }
      return spare;
    }

    synchronized List<Long> idlePids() {
      List<Long> pids = new ArrayList<>();
      for (SpawnedJvm s : idle) {
        pids.add(s.process.pid());
      }
      return pids;
    }

    synchronized boolean isFull() {
      return broken || closed || (spawning == 0 && idle.size() >= wanted);
    }

    void replenish(LaunchSpec spec, long delayMillis) {
      synchronized (this) {
        if (broken || closed || idle.size() + spawning >= wanted) {
          return;
        }
        spawning++;
      }
      installHook();
      try {
        var unused = SPAWNER.schedule(() -> spawnOne(spec), delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          spawning--;
        }
      }
    }

    private void spawnOne(LaunchSpec spec) {
      SpawnedJvm spare = null;
      try {
        if (!exiting) {
          String name = "spare-" + NAMES.incrementAndGet();
          long deadline = System.nanoTime() + spec.startTimeoutNanos();
          SpawnedJvm spawned = SpawnedJvm.spawn(spec, name, deadline, true);
          try {
            spawned.awaitSpareReady(spec, name, deadline);
          } catch (RuntimeException e) {
            spawned.discard();
            throw e;
          }
          spare = spawned;
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          broken = true; // the launch that needs it will spawn and report the error itself
        }
      }
      if (spare == null) {
        synchronized (this) {
          spawning--;
        }
        return;
      }
      boolean keep;
      synchronized (this) {
        spawning--;
        keep = !closed && !exiting;
        if (keep) {
          idle.add(spare);
        }
      }
      if (!keep) {
        spare.discard();
        return;
      }
      SpawnedJvm watched = spare;
      var unused = spare.process.onExit().thenRun(() -> died(watched, spec));
      replenish(spec, 0); // wanted may have grown meanwhile
    }

    /** An idle spare exited (killed from outside, or it failed): drop it, maybe replace it. */
    private void died(SpawnedJvm spare, LaunchSpec spec) {
      synchronized (this) {
        if (!idle.remove(spare)) {
          return; // taken, or discarded by close(): not ours any more
        }
        if (++deathsInARow >= MAX_DEATHS_IN_A_ROW) {
          broken = true;
        }
      }
      spare.discard();
      replenish(spec, 0);
    }

    void close() {
      List<SpawnedJvm> spares;
      synchronized (this) {
        closed = true;
        spares = new ArrayList<>(idle);
        idle.clear();
      }
      for (SpawnedJvm s : spares) {
        s.discard();
      }
    }

    @Override
    public String toString() {
      return "spares for " + key;
    }
  }
}
