package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Two ways to make the {@code race} correct (tutorial, threads sections 9.2 and 9.3): a lock around
 * the critical section only, or starting each thread and joining it before the next.
 *
 * <pre>{@code
 * def task():
 *     time.sleep(3)                  # not locked: runs concurrently
 *     print('%s start to run' % current_thread().getName())
 *     global n
 *     lock.acquire()                 # locked: runs serially
 *     temp = n
 *     time.sleep(0.5)
 *     n = temp - 1
 *     lock.release()
 * }</pre>
 *
 * <p>Both end with {@code n = 0}. With the lock only the critical sections take turns: 100 threads
 * take about 3 + 100 × 0.5 = 53 s in the tutorial. Started and joined one after the other, every
 * part of every task takes turns: 100 × 3.5 = 350 s. The ratio between the two is the point, not
 * the seconds, so the sleeps are a hundredth of the tutorial's: 30 ms outside the lock and 5 ms
 * inside, for about 0.5 s against 3.5 s.
 */
public final class LockVsJoin extends Scenario {

  private final int threads;
  private final Duration unlockedSleep;
  private final Duration lockedSleep;

  /** Creates the scenario with 100 threads and the tutorial's sleeps divided by 100. */
  public LockVsJoin() {
    this(100, Duration.ofMillis(30), Duration.ofMillis(5));
  }

  /**
   * Creates the scenario with the given number of threads and sleeps.
   *
   * @param threads how many threads decrement {@code n}, which starts at that number; at least 1
   * @param unlockedSleep how long each task sleeps before it takes the lock
   * @param lockedSleep how long each task sleeps between reading and writing {@code n}
   */
  LockVsJoin(int threads, Duration unlockedSleep, Duration lockedSleep) {
    super(
        "lock-vs-join",
        "线程 九.2/9.3",
        "Fix the race: a lock, or start-then-join each thread",
        "n ends at 0 both ways; locking only the critical section is faster than serial"
            + " start-then-join");
    if (threads < 1) {
      throw new IllegalArgumentException("threads < 1: " + threads);
    }
    this.threads = threads;
    this.unlockedSleep = unlockedSleep;
    this.lockedSleep = lockedSleep;
  }

  /** One way of running the tasks: how long it took and what {@code n} ended at. */
  record Run(Duration elapsed, int n) {}

  /** The tutorial's global {@code n}. */
  private static final class Globals {
    int n; // guarded by the lock in withLock(); by start and join in serialJoin()
  }

  @Override
  public Outcome run(PrintStream out) throws InterruptedException {
    out.printf(
        "(%d threads; each sleeps %s, then %s inside the critical section: the tutorial's 3 s and"
            + " 0.5 s divided by 100)%n",
        threads, Stopwatch.millis(unlockedSleep), Stopwatch.millis(lockedSleep));

    out.println("-- with a lock around the critical section only:");
    Run locked = withLock(out);
    out.printf("main: %s, n = %d%n", Stopwatch.seconds(locked.elapsed()), locked.n());

    out.println("-- start each thread, then join it before starting the next:");
    Run serial = serialJoin(out);
    out.printf("main: %s, n = %d%n", Stopwatch.seconds(serial.elapsed()), serial.n());

    boolean passed =
        locked.n() == 0 && serial.n() == 0 && locked.elapsed().compareTo(serial.elapsed()) < 0;
    return Outcome.of(
        passed,
        String.format(
            "lock: n = %d in %s; start-then-join: n = %d in %s (%.1fx slower)",
            locked.n(),
            Stopwatch.seconds(locked.elapsed()),
            serial.n(),
            Stopwatch.seconds(serial.elapsed()),
            (double) serial.elapsed().toNanos() / Math.max(1, locked.elapsed().toNanos())));
  }

  /** Runs every task at once, with a lock around the critical section. */
  Run withLock(PrintStream out) throws InterruptedException {
    Globals globals = new Globals();
    globals.n = threads;
    Lock lock = new ReentrantLock();
    List<Thread> started = new ArrayList<>();
    Stopwatch stopwatch = Stopwatch.start();
    for (int i = 1; i <= threads; i++) {
      Thread t = task(i, globals, lock, out);
      started.add(t);
      t.start();
    }
    for (Thread t : started) {
      t.join();
    }
    Duration elapsed = stopwatch.elapsed();
    out.println(ElidedLines.note(threads, "start to run"));
    lock.lock(); // reads n under the lock that guards it
    try {
      return new Run(elapsed, globals.n);
    } finally {
      lock.unlock();
    }
  }

  /** Runs the tasks one after the other, without a lock: each is joined before the next starts. */
  Run serialJoin(PrintStream out) throws InterruptedException {
    Globals globals = new Globals();
    globals.n = threads;
    Stopwatch stopwatch = Stopwatch.start();
    for (int i = 1; i <= threads; i++) {
      Thread t = task(i, globals, null, out);
      t.start();
      t.join(); // the task's writes happen-before the next task's start
    }
    Duration elapsed = stopwatch.elapsed();
    out.println(ElidedLines.note(threads, "start to run"));
    return new Run(elapsed, globals.n);
  }

  private Thread task(int index, Globals globals, @Nullable Lock lock, PrintStream out) {
    String name = "Thread-" + index;
    boolean prints = ElidedLines.printsLine(index, threads);
    return new Thread(
        () -> {
          try {
            Thread.sleep(unlockedSleep); // not locked: the threads sleep at the same time
            if (prints) {
              out.println(name + " start to run");
            }
            if (lock != null) {
              lock.lock();
            }
            try {
              int temp = globals.n;
              Thread.sleep(lockedSleep);
              globals.n = temp - 1;
            } finally {
              if (lock != null) {
                lock.unlock();
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        },
        name);
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new LockVsJoin().runAsProgram();
  }
}
