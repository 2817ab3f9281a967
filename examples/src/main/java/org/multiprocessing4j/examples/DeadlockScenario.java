package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessDeadlockException;
import org.multiprocessing4j.ProcessLock;

/**
 * Two workers take two locks in opposite order, then the same with one reentrant lock (tutorial, 十
 * 死锁现象与递归锁).
 *
 * <pre>{@code
 * mutexA = Lock()
 * mutexB = Lock()
 *
 * class MyThread(Thread):
 *     def run(self):
 *         self.f1()
 *         self.f2()
 *     def f1(self):
 *         mutexA.acquire(); print('%s got A' % self.name)
 *         mutexB.acquire(); print('%s got B' % self.name)
 *         mutexB.release()
 *         mutexA.release()
 *     def f2(self):
 *         mutexB.acquire(); print('%s got B' % self.name)
 *         time.sleep(1)
 *         mutexA.acquire(); print('%s got A' % self.name)
 *         mutexA.release()
 *         mutexB.release()
 *
 * # the fix: mutexA = mutexB = RLock()
 * }</pre>
 *
 * <p>Here the workers are processes and the locks {@link ProcessLock}s. One worker runs f1 and
 * starts f2, holding B; the other meanwhile gets A in its f1 and waits for B: each waits for the
 * other forever, in Python. The program turns on the context's deadlock detector, so one worker
 * gets a {@link ProcessDeadlockException} that reports the cycle, gives up and lets the other
 * finish. With one {@link org.multiprocessing4j.ReentrantProcessLock} as both A and B, both workers
 * complete.
 */
public final class DeadlockScenario extends Scenario {

  static final String OPPOSITE = "-- two ProcessLocks taken in opposite order (detector on)";
  static final String REENTRANT = "-- one ReentrantProcessLock as both A and B";
  static final String GAVE_UP = "gave up to break a deadlock:";
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** The tutorial's program, with processes. */
  public static final class Program {
    private Program() {}

    static void f1(String name, ProcessLock a, ProcessLock b) {
      a.lock();
      try {
        System.out.println(name + " got A");
        b.lock();
        try {
          System.out.println(name + " got B");
        } finally {
          b.unlock();
        }
      } finally {
        a.unlock();
      }
    }

    static void f2(String name, ProcessLock a, ProcessLock b) throws InterruptedException {
      b.lock();
      try {
        System.out.println(name + " got B");
        Thread.sleep(1_000);
        a.lock();
        try {
          System.out.println(name + " got A");
        } finally {
          a.unlock();
        }
      } finally {
        b.unlock();
      }
    }

    static void work(String name, ProcessLock a, ProcessLock b, ProcessBarrier start)
        throws Exception {
      start.await(START_TIMEOUT); // both workers begin together, as threads would
      try {
        f1(name, a, b);
        f2(name, a, b);
        System.out.println(name + " done");
      } catch (ProcessDeadlockException e) {
        System.out.println(name + " " + GAVE_UP);
        System.out.println("  " + e.deadlock());
      }
    }

    static void runWorkers(MultiprocessingContext ctx, ProcessLock a, ProcessLock b)
        throws InterruptedException {
      ProcessBarrier start = ctx.barrier(2);
      List<JvmProcess> workers =
          List.of(
              new JvmProcess(() -> work("worker-1", a, b, start)),
              new JvmProcess(() -> work("worker-2", a, b, start)));
      for (JvmProcess w : workers) {
        w.start();
      }
      for (JvmProcess w : workers) {
        w.join();
      }
    }

    /**
     * Runs the workers with two locks, then with one reentrant lock.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      MultiprocessingContext ctx = Multiprocessing.local();
      ctx.setDeadlockDetection(true); // without it, the first run would hang, as Python's does
      System.out.println(OPPOSITE);
      runWorkers(ctx, ctx.lock(), ctx.lock());
      System.out.println(REENTRANT);
      ProcessLock both = ctx.reentrantLock();
      runWorkers(ctx, both, both);
    }
  }

  /** Creates the scenario. */
  public DeadlockScenario() {
    super(
        "deadlock",
        "十",
        "Two processes take two locks in opposite order; then one reentrant lock",
        "the first run deadlocks, and the detector reports the cycle and breaks it in one worker;"
            + " with the reentrant lock both workers complete");
  }

  /** How many times the program runs when its first part happened not to deadlock. */
  static final int ATTEMPTS = 3;

  @Override
  public Outcome run(PrintStream out) throws Exception {
    // The deadlock needs the workers' timing to overlap, as with the tutorial's threads: a worker
    // descheduled between its f1 and its f2 (a busy machine) lets the other run both and finish.
    // Then no deadlock formed, nothing was there to detect, and the program runs again.
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    for (int attempt = 1; attempt < ATTEMPTS && noDeadlockFormed(o.texts()); attempt++) {
      out.println("(the first run's workers did not overlap this time: no deadlock formed; again)");
      o = ProcessScenarios.runProgram(Program.class, out);
    }
    List<String> lines = o.texts();
    int second = lines.indexOf(REENTRANT);
    if (second < 0) {
      return Outcome.of(false, "the program did not get to the reentrant run: " + lines);
    }
    List<String> first = lines.subList(0, second);
    List<String> then = lines.subList(second, lines.size());
    long gaveUp = first.stream().filter(l -> l.endsWith(GAVE_UP)).count();
    boolean reported =
        first.stream().anyMatch(l -> l.contains(" holds ProcessLock#") && l.contains("waits for"));
    long doneFirst = first.stream().filter(l -> l.endsWith(" done")).count();
    long doneThen = then.stream().filter(l -> l.endsWith(" done")).count();
    long gaveUpThen = then.stream().filter(l -> l.endsWith(GAVE_UP)).count();
    boolean passed =
        gaveUp == 1
            && reported
            && doneFirst == 1
            && doneThen == 2
            && gaveUpThen == 0
            && o.exitCode() == 0;
    return Outcome.of(
        passed,
        "two locks: "
            + gaveUp
            + " worker gave up"
            + (reported ? " with the cycle reported" : " without a report")
            + " and "
            + doneFirst
            + " finished; one reentrant lock: "
            + doneThen
            + " of 2 finished; program exit code "
            + o.exitCode());
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new DeadlockScenario().runAsProgram();
  }

  /** Whether both workers of the first part finished without a deadlock forming. */
  static boolean noDeadlockFormed(List<String> lines) {
    int second = lines.indexOf(REENTRANT);
    List<String> first = second < 0 ? lines : lines.subList(0, second);
    return first.stream().noneMatch(l -> l.endsWith(GAVE_UP))
        && first.stream().filter(l -> l.endsWith(" done")).count() == 2;
  }
}
