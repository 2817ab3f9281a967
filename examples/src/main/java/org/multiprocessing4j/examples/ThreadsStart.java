package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starting a thread (tutorial, threads section 5).
 *
 * <pre>{@code
 * def piao(name):
 *     print('%s piaoing' % name)
 *     time.sleep(random.randrange(1, 5))
 *     print('%s piao end' % name)
 *
 * t1 = Thread(target=piao, args=('egon', ))
 * t1.start()
 * print("主线程")
 * }</pre>
 *
 * <p>A thread is cheap to start: its first line appears within milliseconds of {@code start()}, and
 * the main thread goes on without waiting for it. The tutorial shows the thread's line before the
 * main thread's; that order is not fixed, in CPython or on the JVM ({@code Thread.start()} returns
 * as soon as the thread exists, and the two threads then race to print), so the scenario reports
 * the order it saw and checks what is fixed: the thread starts at once, and the main thread's line
 * comes before the thread's last line.
 */
public final class ThreadsStart extends Scenario {

  /** How soon after {@code start()} the thread's first line must appear; generous on purpose. */
  static final Duration START_BOUND = Duration.ofSeconds(1);

  static final String MAIN_LINE = "main thread";

  private final Duration minSleep;
  private final Duration maxSleep;

  /** Creates the scenario with the tutorial's random sleep of 1 to 4 s scaled down to 0.2–0.8 s. */
  public ThreadsStart() {
    this(Duration.ofMillis(200), Duration.ofMillis(800));
  }

  /**
   * Creates the scenario with the thread's random sleep between the given bounds.
   *
   * @param minSleep the shortest sleep
   * @param maxSleep the longest sleep, not less than {@code minSleep}
   */
  ThreadsStart(Duration minSleep, Duration maxSleep) {
    super(
        "threads-start",
        "线程 五",
        "Start a thread",
        "the thread's first line appears at once; the main thread's line comes before the thread"
            + " ends");
    if (maxSleep.compareTo(minSleep) < 0) {
      throw new IllegalArgumentException("maxSleep < minSleep: " + maxSleep + " < " + minSleep);
    }
    this.minSleep = minSleep;
    this.maxSleep = maxSleep;
  }

  @Override
  public Outcome run(PrintStream out) throws InterruptedException {
    out.printf(
        "(the thread sleeps %s to %s; the tutorial's 1 to 4 s, scaled down)%n",
        Stopwatch.seconds(minSleep), Stopwatch.seconds(maxSleep));
    Transcript transcript = new Transcript(out);
    Duration sleep =
        Duration.ofMillis(
            ThreadLocalRandom.current().nextLong(minSleep.toMillis(), maxSleep.toMillis() + 1));

    Thread t1 = new Thread(() -> piao("egon", sleep, transcript), "Thread-1");
    Stopwatch sinceStart = Stopwatch.start();
    t1.start();
    transcript.println(MAIN_LINE);
    // Python's interpreter waits for non-daemon threads when the main code ends, as the JVM does
    // after main() returns; the demo waits here so that nothing of it outlives the run.
    t1.join();

    int mainAt = transcript.indexOf(MAIN_LINE);
    int firstAt = transcript.indexOf("egon piaoing");
    int endAt = transcript.indexOf("egon piao end");
    Duration startLatency = sinceStart.until(transcript.nanoTimeOf("egon piaoing"));
    boolean startedAtOnce = startLatency.compareTo(START_BOUND) < 0;
    boolean mainDidNotWait = mainAt < endAt;
    String order = firstAt < mainAt ? "before" : "after";
    return Outcome.of(
        startedAtOnce && mainDidNotWait && firstAt < endAt,
        "thread's first line "
            + Stopwatch.millis(startLatency)
            + " after start(), "
            + order
            + " main's line; main's line "
            + (mainDidNotWait ? "before" : "after")
            + " the thread's end");
  }

  private static void piao(String name, Duration sleep, Transcript transcript) {
    transcript.println(name + " piaoing");
    try {
      Thread.sleep(sleep);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    transcript.println(name + " piao end");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ThreadsStart().runAsProgram();
  }
}
