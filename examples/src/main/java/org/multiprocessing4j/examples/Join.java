package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.JvmProcess;

/**
 * {@code join()} holds the parent until the child ends (tutorial, 三.3.1).
 *
 * <pre>{@code
 * def task():
 *     print('%s is running, parent id is <%s>' % (os.getpid(), os.getppid()))
 *     time.sleep(3)
 *     print("%s is done, parent id is <%s>" % (os.getpid(), os.getppid()))
 *
 * p = Process(target=task, )
 * p.start()
 * p.join()
 * print('主进程', os.getpid(), 'pycharm ID', os.getppid())
 * print(p.pid)
 * }</pre>
 */
public final class Join extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task() throws InterruptedException {
      long pid = ProcessHandle.current().pid();
      long ppid = JvmProcess.parent().orElseThrow().pid();
      System.out.println(pid + " is running, parent id is " + ppid);
      Thread.sleep(3_000);
      System.out.println(pid + " is done, parent id is " + ppid);
    }

    /**
     * Runs the child, joins it, and prints the parent's pid and the child's.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      JvmProcess p = new JvmProcess(Program::task);
      p.start();
      p.join();
      System.out.println("main process " + ProcessHandle.current().pid());
      System.out.println("child pid after join " + p.pid());
    }
  }

  /** Creates the scenario. */
  public Join() {
    super(
        "join",
        "三.3.1",
        "join() blocks the parent until the child ends",
        "the child's parent id equals the parent's pid; the parent's lines come after the child's"
            + " \"is done\"; after join() the parent still reads the child's pid");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    int parentPid = o.lastNumber("main process").orElse(-1);
    int childPid = o.lastNumber("child pid after join").orElse(-2);
    int doneAt = o.indexOf(childPid + " is done");
    int ppidSeen = doneAt < 0 ? -3 : o.lastNumber(childPid + " is done").orElse(-3);
    boolean order = doneAt >= 0 && doneAt < o.indexOf("main process");
    return Outcome.of(
        order && ppidSeen == parentPid && o.exitCode() == 0,
        "child "
            + childPid
            + " saw parent id "
            + ppidSeen
            + ", the parent is "
            + parentPid
            + "; parent printed "
            + (order ? "after" : "before")
            + " the child was done");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Join().runAsProgram();
  }
}
