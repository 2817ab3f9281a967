package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ThreadPool;

/**
 * The same program as {@link ProcessPool} on a thread pool: one line changes (tutorial, 十一.3).
 *
 * <pre>{@code
 * pool = ThreadPoolExecutor(4)             # was: ProcessPoolExecutor(4)
 * }</pre>
 */
public final class ThreadPoolScenario extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    /**
     * Submits ten tasks to a pool of four threads, then shuts it down and waits.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while waiting
     */
    public static void main(String[] args) throws InterruptedException {
      PoolExecutor pool = new ThreadPool(PoolScenarios.WORKERS); // the one line that changed
      long start = System.nanoTime();
      for (int i = 0; i < PoolScenarios.TASKS; i++) {
        String name = "egon" + i;
        var unused = pool.submit(() -> PoolScenarios.task(name)); // returns at once
      }
      System.out.println("submitted all tasks in ms " + (System.nanoTime() - start) / 1_000_000);
      pool.shutdown(true, false);
      System.out.println("main pid " + ProcessHandle.current().pid());
    }
  }

  /** Creates the scenario. */
  public ThreadPoolScenario() {
    super(
        "thread-pool",
        "十一.3",
        "ThreadPool(4) runs the same 10 tasks: one line differs from process-pool",
        "every task prints the main pid; submitting does not wait; shutdown(wait) waits for all"
            + " 10");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    PoolScenarios.Observed seen = PoolScenarios.Observed.of(o);
    boolean passed =
        seen.ran() == PoolScenarios.TASKS
            && seen.done() == PoolScenarios.TASKS
            && seen.pids().size() == 1
            && seen.pids().contains(seen.mainPid())
            && seen.submitMillis() >= 0
            && seen.submitMillis() < 2_000
            && seen.mainLast()
            && o.exitCode() == 0;
    return Outcome.of(passed, seen.describe());
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ThreadPoolScenario().runAsProgram();
  }
}
