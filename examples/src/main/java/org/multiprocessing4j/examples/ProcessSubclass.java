package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.multiprocessing4j.JvmProcess;

/**
 * Starting a child process by subclassing and overriding {@code run()} (tutorial, 二.2.1, second
 * way).
 *
 * <pre>{@code
 * class MyProcess(Process):
 *     def __init__(self, name):
 *         super().__init__()
 *         self.name = name
 *     def run(self):
 *         print('%s is running' % self.name)
 *         time.sleep(3)
 *         print("%s is done" % self.name)
 *
 * p = MyProcess('子进程')
 * p.start()
 * print('主')
 * }</pre>
 *
 * <p>The subclass's fields (here a greeting as well as the name) travel to the child with the
 * process object.
 */
public final class ProcessSubclass extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    /** The tutorial's {@code MyProcess}. */
    static final class MyProcess extends JvmProcess {
      private final String verb; // a field of the subclass: it travels to the child

      MyProcess(String name, String verb) {
        setName(name);
        this.verb = verb;
      }

      @Override
      public void run() throws InterruptedException {
        System.out.println(name() + " is " + verb);
        Thread.sleep(3_000);
        System.out.println(name() + " is done");
      }
    }

    /**
     * Starts the child and ends.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      new MyProcess("child", "running").start();
      System.out.println("main");
    }
  }

  /** Creates the scenario. */
  public ProcessSubclass() {
    super(
        "process-subclass",
        "二.2.1 方式二",
        "A subclass overrides run(); start() runs it in a new process",
        "\"main\" at once, the child's \"child is running\" (its own fields) and, about 3 s"
            + " later, \"child is done\"");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    // As in process-start, "main" and the child's first line race; the parent does not wait.
    Duration task = o.between("child is running", "child is done");
    Duration mainBeforeDone = o.between("main", "child is done");
    boolean didNotWait = o.has("main") && mainBeforeDone.compareTo(Duration.ofSeconds(2)) > 0;
    return Outcome.of(
        didNotWait && task.compareTo(Duration.ofMillis(2_500)) >= 0 && o.exitCode() == 0,
        "lines "
            + o.texts()
            + "; \"main\" came "
            + Stopwatch.millis(mainBeforeDone)
            + " before \"is done\", which came "
            + Stopwatch.millis(task)
            + " after \"is running\"");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ProcessSubclass().runAsProgram();
  }
}
