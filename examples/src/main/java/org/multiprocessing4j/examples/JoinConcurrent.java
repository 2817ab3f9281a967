package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.multiprocessing4j.JvmProcess;

/**
 * Children run at the same time; joining them all takes the longest, not the sum (tutorial, 三.3.2).
 *
 * <pre>{@code
 * p1 = Process(target=task, args=("子进程1", 5))
 * p2 = Process(target=task, args=("子进程2", 3))
 * p3 = Process(target=task, args=("子进程3", 2))
 * p1.start(); p2.start(); p3.start()
 * p1.join(); p2.join(); p3.join()
 * print("主进程", (time.time() - start))     # about 5 s
 * }</pre>
 *
 * <p>The timings are the point, so they are kept as written.
 */
public final class JoinConcurrent extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name, Integer seconds) throws InterruptedException {
      System.out.println(name + " is running");
      Thread.sleep(seconds * 1_000L);
    }

    /**
     * Starts three children, joins them, prints the elapsed time in milliseconds.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      long start = System.nanoTime();
      JvmProcess p1 = new JvmProcess(Program::task, "child 1", 5);
      JvmProcess p2 = new JvmProcess(Program::task, "child 2", 3);
      JvmProcess p3 = new JvmProcess(Program::task, "child 3", 2);
      p1.start();
      p2.start();
      p3.start();
      p1.join();
      p2.join();
      p3.join();
      System.out.println("main process, elapsed ms " + (System.nanoTime() - start) / 1_000_000);
    }
  }

  /** Creates the scenario. */
  public JoinConcurrent() {
    super(
        "join-concurrent",
        "三.3.2",
        "Three children sleeping 5, 3 and 2 s, started then joined",
        "all three run at once: the total is about 5 s (the longest), well under the 10 s sum");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    int ms = o.lastNumber("main process, elapsed ms").orElse(-1);
    boolean concurrent = ms >= 5_000 && ms < 8_000;
    boolean allRan =
        o.has("child 1 is running") && o.has("child 2 is running") && o.has("child 3 is running");
    return Outcome.of(
        concurrent && allRan && o.exitCode() == 0,
        "start to last join took "
            + Stopwatch.seconds(Duration.ofMillis(Math.max(ms, 0)))
            + " (5 s if concurrent, 10 s if serial)");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new JoinConcurrent().runAsProgram();
  }
}
