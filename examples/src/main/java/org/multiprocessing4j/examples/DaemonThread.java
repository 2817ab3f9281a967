package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * A daemon thread does not keep its JVM alive (tutorial, threads section 8).
 *
 * <pre>{@code
 * def sayhi(name):
 *     time.sleep(2)
 *     print("%s say hello" % name)
 *
 * t = Thread(target=sayhi, args=('egon',))
 * t.daemon = True      # must be set before t.start()
 * t.start()
 * print("主线程")
 * print(t.is_alive())
 * }</pre>
 *
 * <p>The point is what happens when the main thread's code ends: the JVM, like Python, waits for
 * its non-daemon threads only, so it exits while the daemon thread is still asleep, and the
 * daemon's line never appears. The main thread of the JVM running this scenario (the {@code mp4j
 * tour}, a test) does not end there, so the program, {@link Program}, runs in a child JVM of its
 * own, and the scenario reads what that JVM printed and how it ended.
 */
public final class DaemonThread extends Scenario {

  static final String HELLO_LINE = "egon say hello";
  static final String MAIN_LINE = "main thread";

  /** How long the child JVM may take in all; it should exit well within a second or two. */
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

  /** The tutorial's program; its {@code main} ends while the daemon thread still sleeps. */
  public static final class Program {

    private Program() {}

    /**
     * Starts a daemon thread that would print after 2 s, prints two lines and returns.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      Thread t =
          new Thread(
              () -> {
                try {
                  Thread.sleep(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                  return;
                }
                System.out.println(HELLO_LINE);
              },
              "Thread-1");
      t.setDaemon(true); // must be set before start(); setDaemon on a started thread throws
      t.start();
      System.out.println(MAIN_LINE);
      System.out.println(t.isAlive());
    }
  }

  /** Creates the scenario. */
  public DaemonThread() {
    super(
        "daemon-thread",
        "线程 八",
        "A daemon thread does not keep the JVM alive",
        "the program prints \"main thread\" and true, then its JVM exits; the daemon thread's line"
            + " never appears");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    out.println("(the program runs in a child JVM, so that its main thread really ends:");
    out.println(" java -cp <this class path> " + Program.class.getName() + ")");
    Stopwatch stopwatch = Stopwatch.start();
    ChildJvm.Result child = ChildJvm.run(Program.class, CHILD_TIMEOUT, out);
    Duration total = stopwatch.elapsed();
    List<String> texts = child.texts();

    int mainAt = texts.indexOf(MAIN_LINE);
    boolean printedMainThenTrue = mainAt >= 0 && texts.indexOf("true") == mainAt + 1;
    boolean helloNeverAppeared = !texts.contains(HELLO_LINE);
    String afterLastLine =
        child.lines().isEmpty()
            ? ""
            : ", "
                + Stopwatch.millis(
                    Duration.ofNanos(child.exitNanoTime() - child.lines().getLast().nanoTime()))
                + " after its last line";
    out.printf(
        "child JVM exited with code %d%s (%s in all, JVM start-up included)%n",
        child.exitCode(), afterLastLine, Stopwatch.seconds(total));

    return Outcome.of(
        child.exitCode() == 0 && printedMainThenTrue && helloNeverAppeared,
        "child printed "
            + texts
            + ", exited with code "
            + child.exitCode()
            + afterLastLine
            + "; daemon's line "
            + (helloNeverAppeared ? "never appeared" : "appeared"));
  }

  /**
   * Runs this scenario on its own; to run only the tutorial's program, run {@link Program}.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new DaemonThread().runAsProgram();
  }
}
