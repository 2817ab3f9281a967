package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.RemoteProcessException;

/**
 * A daemonic process may not start children (tutorial, 四 案例二).
 *
 * <pre>{@code
 * def task(name):
 *     print("%s is running" % name)
 *     time.sleep(2)
 *     p = Process(target=time.sleep, args=(3, ))
 *     p.start()          # AssertionError: daemonic processes are not allowed to have children
 *
 * p = Process(target=task, args=('子进程', ))
 * p.daemon = True
 * p.start()
 * p.join()
 * print("主进程")
 * }</pre>
 *
 * <p>The tutorial's 2 s sleep before the attempt only illustrates; it is 0.2 s here.
 */
public final class DaemonNoChildren extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name) throws InterruptedException {
      System.out.println(name + " is running");
      Thread.sleep(200); // the tutorial sleeps 2 s here; scaled down
      new JvmProcess(() -> Thread.sleep(3_000)).start();
    }

    /**
     * Starts a daemon child that tries to start its own child; joins it; reports how it ended.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      JvmProcess p = new JvmProcess(Program::task, "child");
      p.setDaemon(true);
      p.start();
      p.join();
      System.out.println("child exit code " + p.exitCode().orElse(Integer.MIN_VALUE));
      System.out.println(
          "child failed with: " + p.failure().map(RemoteProcessException::getMessage).orElse("-"));
      System.out.println("main process");
    }
  }

  /** Creates the scenario. */
  public DaemonNoChildren() {
    super(
        "daemon-no-children",
        "四 案例二",
        "A daemon child tries to start its own child",
        "the attempt fails with a clear error (daemonic processes are not allowed to have"
            + " children) and the daemon child exits with code 1");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    out.println("(the tutorial's 2 s sleep before the attempt is 0.2 s here)");
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    int code = o.lastNumber("child exit code").orElse(Integer.MIN_VALUE);
    boolean clear =
        o.has(
            "child failed with: java.lang.IllegalStateException: daemonic processes are not"
                + " allowed to have children");
    return Outcome.of(
        code == 1 && clear && o.has("main process"),
        "daemon child exit code "
            + code
            + "; "
            + (clear ? o.line("child failed with") : "no clear error"));
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new DaemonNoChildren().runAsProgram();
  }
}
