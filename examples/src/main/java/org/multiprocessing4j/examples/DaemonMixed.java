package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.JvmProcess;

/**
 * A daemon child and a non-daemon child, no join (tutorial, 四 案例三).
 *
 * <pre>{@code
 * def foo():
 *     print(123); time.sleep(1); print("end123")
 * def bar():
 *     print(456); time.sleep(3); print("end456")
 *
 * p1 = Process(target=foo); p2 = Process(target=bar)
 * p1.daemon = True
 * p1.start(); p2.start()
 * print("main-------")
 * }</pre>
 *
 * <p>The daemon sleeps 2 s here instead of the tutorial's 1 s: starting the second child takes a
 * JVM start-up (a few hundred milliseconds, more on a loaded machine), which must not outlast the
 * daemon's sleep for the scenario to show its point.
 *
 * <p>When the main code ends, Python terminates the daemonic child first and then waits for the
 * other: "end123" never appears, "end456" does. A JVM's shutdown starts when its last non-daemon
 * thread ends, and the library's exit hook does the same two steps in the same order.
 */
public final class DaemonMixed extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void foo() throws InterruptedException {
      System.out.println(123);
      Thread.sleep(2_000); // the tutorial's 1 s, doubled: see the class comment
      System.out.println("end123");
    }

    static void bar() throws InterruptedException {
      System.out.println(456);
      Thread.sleep(3_000);
      System.out.println("end456");
    }

    /**
     * Starts both children and ends.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      JvmProcess p1 = new JvmProcess(Program::foo);
      JvmProcess p2 = new JvmProcess(Program::bar);
      p1.setDaemon(true);
      p1.start();
      p2.start();
      System.out.println("main-------");
    }
  }

  /** Creates the scenario. */
  public DaemonMixed() {
    super(
        "daemon-mixed",
        "四 案例三",
        "One daemon child (2 s) and one non-daemon child (3 s), no join",
        "\"main-------\"; the non-daemon child runs to \"end456\"; the daemon child is ended when"
            + " main's code ends, so \"end123\" never appears");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    out.println("(the daemon child sleeps 2 s instead of 1 s, so that starting the other child");
    out.println(" cannot outlast it on a slow machine)");
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    boolean main = o.has("main-------");
    boolean end456 = o.has("end456");
    boolean end123 = o.has("end123");
    return Outcome.of(
        main && end456 && !end123 && o.exitCode() == 0,
        "lines " + o.texts() + "; \"end123\" " + (end123 ? "appeared" : "never appeared"));
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new DaemonMixed().runAsProgram();
  }
}
