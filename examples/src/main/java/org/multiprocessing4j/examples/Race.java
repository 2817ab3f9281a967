package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A race condition: 100 threads decrement a shared {@code n} without a lock (tutorial, threads
 * section 9.1).
 *
 * <pre>{@code
 * def task():
 *     global n
 *     print('%s is running' % current_thread().getName())
 *     temp = n
 *     time.sleep(0.5)
 *     n = temp - 1
 *
 * n = 100
 * for i in range(100): Thread(target=task).start()   # then join them all
 * print('主:%s n:%s' % (stop_time - start_time, n))  # 主:0.52 n:99
 * }</pre>
 *
 * <p>Every thread reads {@code n} while it is still 100, sleeps, and writes 99: all but one
 * decrement is lost. {@code n} is {@code volatile} here, so every read and write goes to memory;
 * that does not help, because the read, the sleep and the write are three steps, not one. The run
 * is fast (about the 0.5 s of one sleep), since the threads sleep at the same time. The {@code
 * lock-vs-join} scenario fixes the race.
 */
public final class Race extends Scenario {

  private final int threads;
  private final Duration sleep;

  /** Creates the scenario with the tutorial's 100 threads and 0.5 s sleep. */
  public Race() {
    this(100, Duration.ofMillis(500));
  }

  /**
   * Creates the scenario with the given number of threads and sleep between read and write.
   *
   * @param threads how many threads decrement {@code n}, which starts at that number; at least 2
   * @param sleep how long each thread sleeps between reading and writing {@code n}
   */
  Race(int threads, Duration sleep) {
    super(
        "race",
        "线程 九.1",
        "100 threads decrement a shared n without a lock",
        "n ends far above 0 (99 in the tutorial): the threads' decrements are lost");
    if (threads < 2) {
      throw new IllegalArgumentException("threads < 2: " + threads);
    }
    this.threads = threads;
    this.sleep = sleep;
  }

  /** The tutorial's global {@code n}. */
  private static final class Globals {
    volatile int n;
  }

  @Override
  public Outcome run(PrintStream out) throws InterruptedException {
    Globals globals = new Globals();
    globals.n = threads;
    List<Thread> started = new ArrayList<>();
    Stopwatch stopwatch = Stopwatch.start();
    for (int i = 1; i <= threads; i++) {
      String name = "Thread-" + i;
      boolean prints = ElidedLines.printsLine(i, threads);
      Thread t =
          new Thread(
              () -> {
                if (prints) {
                  out.println(name + " is running");
                }
                int temp = globals.n;
                try {
                  Thread.sleep(sleep);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                globals.n = temp - 1;
              },
              name);
      started.add(t);
      t.start();
    }
    for (Thread t : started) {
      t.join();
    }
    Duration elapsed = stopwatch.elapsed();
    int n = globals.n;
    out.println(ElidedLines.note(threads, "is running"));
    out.printf("main: %s, n = %d%n", Stopwatch.seconds(elapsed), n);

    // "Far above 0": more than half of the decrements were lost.
    boolean passed = n > threads / 2;
    return Outcome.of(
        passed,
        "n = "
            + n
            + " after "
            + threads
            + " decrements from "
            + threads
            + " ("
            + (threads - n)
            + " took effect), in "
            + Stopwatch.seconds(elapsed));
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Race().runAsProgram();
  }
}
