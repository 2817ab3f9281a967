package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.ProcessLock;

/**
 * Three processes print under one shared lock (tutorial, 六 互斥锁, case two).
 *
 * <pre>{@code
 * def task(name, mutex):
 *     mutex.acquire()
 *     print('%s 第一次' % name)
 *     time.sleep(1)
 *     print('%s 第二次' % name)
 *     time.sleep(1)
 *     print('%s 第三次' % name)
 *     mutex.release()
 *
 * mutex = Lock()
 * for i in range(3):
 *     p = Process(target=task, args=('进程%s' % i, mutex))
 *     p.start()
 * }</pre>
 *
 * <p>One {@link ProcessLock}, created once and handed to every child, makes the processes take
 * turns: each one's three lines come out together. Compare {@link PrintRace}.
 */
public final class Mutex extends Scenario {

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name, ProcessLock mutex) throws InterruptedException {
      mutex.acquire(); // whoever gets the lock runs; the others wait
      try {
        System.out.println(name + " " + PrintRace.TIMES[0]);
        Thread.sleep(1_000);
        System.out.println(name + " " + PrintRace.TIMES[1]);
        Thread.sleep(1_000);
        System.out.println(name + " " + PrintRace.TIMES[2]);
      } finally {
        mutex.release();
      }
    }

    /**
     * Creates the lock once, hands it to three children and ends; the JVM waits for them.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      ProcessLock mutex = Multiprocessing.local().lock(); // one lock, shared by all children
      for (int i = 0; i < 3; i++) {
        JvmProcess p = new JvmProcess(Program::task, "process " + i, mutex);
        p.start();
      }
    }
  }

  /** Creates the scenario. */
  public Mutex() {
    super(
        "mutex",
        "六 案例二",
        "Three processes print under one shared cross-process lock",
        "each process's three lines come out together; the processes take turns (about 6 s in"
            + " all, against 2 s without the lock)");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<List<Integer>> positions = PrintRace.positions(o.texts(), 3);
    boolean complete = positions.stream().allMatch(p -> p.size() == 3);
    boolean together = positions.stream().allMatch(PrintRace::contiguous);
    String firstLine =
        o.texts().stream().filter(t -> t.startsWith("process ")).findFirst().orElse("");
    String lastLine =
        o.texts().stream().filter(t -> t.startsWith("process ")).reduce((a, b) -> b).orElse("");
    Duration turns = o.between(firstLine, lastLine);
    boolean tookTurns = turns.compareTo(Duration.ofSeconds(5)) >= 0;
    return Outcome.of(
        complete && together && tookTurns && o.exitCode() == 0,
        "each process's lines at output positions "
            + positions
            + (together ? ": together" : ": interleaved")
            + "; first to last line took "
            + Stopwatch.millis(turns)
            + "; program exit code "
            + o.exitCode());
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Mutex().runAsProgram();
  }
}
