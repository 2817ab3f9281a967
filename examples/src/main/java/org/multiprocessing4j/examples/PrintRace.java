package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.multiprocessing4j.JvmProcess;

/**
 * Three processes print to one terminal without a lock (tutorial, 六 互斥锁, case one).
 *
 * <pre>{@code
 * def task(name):
 *     print('%s 第一次' % name)
 *     time.sleep(1)
 *     print('%s 第二次' % name)
 *     time.sleep(1)
 *     print('%s 第三次' % name)
 *
 * for i in range(3):
 *     p = Process(target=task, args=('进程%s' % i,))
 *     p.start()
 * }</pre>
 *
 * <p>The processes run at the same time and compete for the terminal: their lines interleave.
 * Compare {@link Mutex}, the same program with a lock.
 */
public final class PrintRace extends Scenario {

  static final String[] TIMES = {"first", "second", "third"};

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void task(String name) throws InterruptedException {
      System.out.println(name + " " + TIMES[0]);
      Thread.sleep(1_000);
      System.out.println(name + " " + TIMES[1]);
      Thread.sleep(1_000);
      System.out.println(name + " " + TIMES[2]);
    }

    /**
     * Starts three children and ends; the JVM waits for them, as Python does.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
      for (int i = 0; i < 3; i++) {
        JvmProcess p = new JvmProcess(Program::task, "process " + i);
        p.start();
      }
    }
  }

  /** Creates the scenario. */
  public PrintRace() {
    super(
        "print-race",
        "六 案例一",
        "Three processes print to one terminal without a lock",
        "the lines of different processes interleave: they run at the same time");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<List<Integer>> positions = positions(o.texts(), 3);
    boolean complete = positions.stream().allMatch(p -> p.size() == 3);
    boolean interleaved = positions.stream().anyMatch(p -> !contiguous(p));
    return Outcome.of(
        complete && interleaved && o.exitCode() == 0,
        "each process's lines at output positions "
            + positions
            + (interleaved ? ": they interleave" : ": they did not interleave")
            + "; program exit code "
            + o.exitCode());
  }

  /**
   * Returns, for each of {@code processes} processes, the positions of its lines among the lines of
   * all processes, in order.
   */
  static List<List<Integer>> positions(List<String> lines, int processes) {
    List<String> taskLines = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("process ")) {
        taskLines.add(line);
      }
    }
    List<List<Integer>> positions = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      List<Integer> mine = new ArrayList<>();
      for (int i = 0; i < taskLines.size(); i++) {
        if (taskLines.get(i).startsWith("process " + p + " ")) {
          mine.add(i);
        }
      }
      positions.add(mine);
    }
    return positions;
  }

  /** Returns whether the positions follow one another with nothing between. */
  static boolean contiguous(List<Integer> positions) {
    for (int i = 1; i < positions.size(); i++) {
      if (positions.get(i) != positions.get(i - 1) + 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new PrintRace().runAsProgram();
  }
}
