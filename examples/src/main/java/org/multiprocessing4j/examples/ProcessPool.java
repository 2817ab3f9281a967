package org.multiprocessing4j.examples;

import java.io.PrintStream;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ProcessPoolExecutor;

/**
 * A process pool of 4 runs 10 tasks (tutorial, 十一.2).
 *
 * <pre>{@code
 * pool = ProcessPoolExecutor(4)
 * for i in range(10):
 *     pool.submit(task, 'egon%s' % i)      # returns at once
 * pool.shutdown(wait=True)                 # waits for all ten
 * print('主')
 * }</pre>
 *
 * <p>The tasks sleep 1 to 3 tenths of a second instead of seconds.
 */
public final class ProcessPool extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    /**
     * Submits ten tasks to a pool of four worker processes, then shuts it down and waits.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while waiting
     */
    public static void main(String[] args) throws InterruptedException {
      PoolExecutor pool = new ProcessPoolExecutor(PoolScenarios.WORKERS);
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
  public ProcessPool() {
    super(
        "process-pool",
        "十一.2",
        "ProcessPoolExecutor(4) runs 10 tasks that print their name and pid",
        "at most 4 distinct worker pids, none the main pid; submitting does not wait;"
            + " shutdown(wait) waits for all 10");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    PoolScenarios.Observed seen = PoolScenarios.Observed.of(o);
    boolean passed =
        seen.ran() == PoolScenarios.TASKS
            && seen.done() == PoolScenarios.TASKS
            && !seen.pids().isEmpty()
            && seen.pids().size() <= PoolScenarios.WORKERS
            && !seen.pids().contains(seen.mainPid())
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
    new ProcessPool().runAsProgram();
  }
}
