package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.JvmProcess;

/**
 * Threads share their process's id; a child process has its own, and its parent's as parent id
 * (tutorial, threads 六.3).
 *
 * <pre>{@code
 * def work():
 *     print('hello', os.getpid())
 *
 * t1 = Thread(target=work); t1.start()                 # same pid as the main thread
 * p1 = Process(target=work); p1.start()                # a pid of its own
 * print('主线程/主进程pid', os.getpid())
 * }</pre>
 */
public final class Pid extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void work(String who) {
      long ppid = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
      System.out.println(who + " pid " + ProcessHandle.current().pid());
      System.out.println(who + " ppid " + ppid);
    }

    /**
     * Runs {@code work} in a thread and in a child process, and prints the main pid.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      Thread t = new Thread(() -> work("thread"));
      t.start();
      t.join();
      JvmProcess p = new JvmProcess(Program::work, "process");
      p.start();
      p.join();
      System.out.println("main pid " + ProcessHandle.current().pid());
    }
  }

  /** Creates the scenario. */
  public Pid() {
    super(
        "pid",
        "线程 六.3",
        "Threads share the process id; a child process has its own",
        "the thread's pid equals the main pid; the child's pid differs and its parent id is the"
            + " main pid");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    int main = o.lastNumber("main pid").orElse(-1);
    int thread = o.lastNumber("thread pid").orElse(-2);
    int child = o.lastNumber("process pid").orElse(-3);
    int childParent = o.lastNumber("process ppid").orElse(-4);
    return Outcome.of(
        thread == main && child != main && childParent == main && child > 0,
        "main " + main + ", thread " + thread + ", child " + child + " with parent " + childParent);
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Pid().runAsProgram();
  }
}
