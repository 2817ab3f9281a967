package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import org.multiprocessing4j.JvmProcess;

/**
 * Starting a child process with a target and an argument (tutorial, 二.2.1, first way).
 *
 * <pre>{@code
 * def task(name):
 *     print("%s is running" % name)
 *     time.sleep(3)
 *     print("%s is done" % name)
 *
 * p = Process(target=task, args=('子进程1',))
 * p.start()
 * print("主")
 * }</pre>
 *
 * <p>The program runs in a JVM of its own (so that its main thread really ends); its child is a
 * third JVM. The parent's line comes first: {@code start()} returns once the child runs, without
 * waiting for the task. The program does not join, yet its JVM waits for the non-daemon child, as
 * Python does.
 */
public final class ProcessStart extends Scenario {

  static final String MAIN_LINE = "main";

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name) throws InterruptedException {
      System.out.println(name + " is running");
      Thread.sleep(3_000);
      System.out.println(name + " is done");
    }

    /**
     * Starts the child and ends.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      JvmProcess p = new JvmProcess(Program::task, "child 1"); // Process(target=task, args=(...))
      p.start();
      System.out.println(MAIN_LINE);
    }
  }

  /** Creates the scenario. */
  public ProcessStart() {
    super(
        "process-start",
        "二.2.1 方式一",
        "Start a child process with a target and an argument",
        "\"main\" prints at once, around the child's \"is running\"; \"is done\" follows about 3 s"
            + " later: the parent does not wait unless it joins");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    // start() returns once the child runs, so the child's first line and the parent's race (the
    // parent's usually wins); what is fixed is that the parent does not wait for the task.
    Duration task = o.between("child 1 is running", "child 1 is done");
    Duration mainBeforeDone = o.between(MAIN_LINE, "child 1 is done");
    boolean didNotWait = o.has(MAIN_LINE) && mainBeforeDone.compareTo(Duration.ofSeconds(2)) > 0;
    boolean slept = task.compareTo(Duration.ofMillis(2_500)) >= 0;
    return Outcome.of(
        didNotWait && slept && o.exitCode() == 0,
        "lines "
            + o.texts()
            + "; \"main\" came "
            + Stopwatch.millis(mainBeforeDone)
            + " before \"is done\", which came "
            + Stopwatch.millis(task)
            + " after \"is running\"; program exit code "
            + o.exitCode());
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ProcessStart().runAsProgram();
  }
}
