package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.multiprocessing4j.JvmProcess;

/**
 * A daemon child is ended when the parent's main code ends (tutorial, 四 案例一).
 *
 * <pre>{@code
 * p = Process(target=task, args=('子进程', ))
 * p.daemon = True    # must be set before start()
 * p.start()
 * print("主进程")
 * }</pre>
 *
 * <p>The program also shows that setting the flag after {@code start()} is an error.
 */
public final class Daemon extends Scenario {

  static final String DONE_LINE = "child is done";

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name) throws InterruptedException {
      System.out.println(name + " is running");
      Thread.sleep(2_000);
      System.out.println(name + " is done");
    }

    /**
     * Starts a daemon child and ends.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      JvmProcess p = new JvmProcess(Program::task, "child");
      p.setDaemon(true); // must be set before start()
      p.start();
      try {
        p.setDaemon(false);
      } catch (IllegalStateException e) {
        System.out.println("setDaemon after start: " + e.getMessage());
      }
      System.out.println("main process");
    }
  }

  /** Creates the scenario. */
  public Daemon() {
    super(
        "daemon",
        "四 案例一",
        "A daemon child ends with the parent's main code",
        "the parent ends at once and its daemon child with it: \"child is done\" never appears;"
            + " setting daemon after start() is an error");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    boolean neverDone = !o.has(DONE_LINE);
    boolean refused = o.has("setDaemon after start: cannot set the daemon flag");
    Duration tail = o.untilExit("main process");
    boolean quick = o.has("main process") && tail.compareTo(Duration.ofMillis(1_900)) < 0;
    return Outcome.of(
        neverDone && refused && quick && o.exitCode() == 0,
        "the program exited "
            + Stopwatch.millis(tail)
            + " after \"main process\"; \"child is done\" "
            + (neverDone ? "never appeared" : "appeared")
            + "; setDaemon after start "
            + (refused ? "was refused" : "was NOT refused"));
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Daemon().runAsProgram();
  }
}
