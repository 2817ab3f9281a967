package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.JvmProcess;

/**
 * Processes share no memory (tutorial, 二.2.2 exercise 2).
 *
 * <pre>{@code
 * n = 100
 * def work():
 *     global n
 *     n = 0
 *     print('子进程内: ', n)
 *
 * p = Process(target=work)
 * p.start()
 * p.join()
 * print('主进程内: ', n)
 * }</pre>
 *
 * <p>Contrast with {@code threads-share}, where a thread's write is seen by the main thread.
 */
public final class Isolation extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    /** The tutorial's global {@code n}: each JVM has its own copy of a static field. */
    static int n = 100;

    private Program() {}

    static void work() {
      n = 0;
      System.out.println("in the child: n = " + n);
    }

    /**
     * Runs the child, joins it and prints n.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      JvmProcess p = new JvmProcess(Program::work);
      p.start();
      p.join();
      System.out.println("in the parent: n = " + n);
    }
  }

  /** Creates the scenario. */
  public Isolation() {
    super(
        "isolation",
        "二.2.2 练习",
        "A child's write to a global is not seen by its parent",
        "the child prints n = 0, the parent still prints n = 100: processes share no memory");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    int child = o.lastNumber("in the child: n =").orElse(-1);
    int parent = o.lastNumber("in the parent: n =").orElse(-1);
    return Outcome.of(
        child == 0 && parent == 100 && o.exitCode() == 0,
        "the child saw n = " + child + ", the parent n = " + parent);
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Isolation().runAsProgram();
  }
}
