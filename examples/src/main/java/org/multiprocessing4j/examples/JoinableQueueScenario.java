package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.Output;
import org.multiprocessing4j.ProcessOptions;

/**
 * Producers wait on a joinable queue until every item is processed; the consumers are daemons
 * (tutorial, 生产者消费者模型, 3 JoinableQueue, the recommended fix).
 *
 * <pre>{@code
 * def producer(q):
 *     for i in range(2):
 *         res = '包子%s' % i
 *         time.sleep(0.5)
 *         print('生产者生产了%s' % res)
 *         q.put(res)
 *     q.join()              # wait until every item put has been processed
 *
 * def consumer(q):
 *     while True:
 *         res = q.get()
 *         time.sleep(1)
 *         print('消费者消费了%s' % res)
 *         q.task_done()     # tell the producers one item is done
 *
 * q = JoinableQueue()
 * q.join()                  # nothing put yet: returns at once
 * p1, p2, p3 = (Process(target=producer, args=(q,)) for _ in range(3))
 * c1, c2 = (Process(target=consumer, args=(q,)) for _ in range(2))
 * c1.daemon = True          # they end with the main process
 * c2.daemon = True
 * for p in (p1, p2, p3, c1, c2): p.start()
 * p1.join(); p2.join(); p3.join()
 * print("主进程")
 * }</pre>
 *
 * <p>No end signal is needed: a producer's {@code join()} returns once every item put so far has
 * been reported done, the parent joins the producers, and the daemon consumers, idle in {@code
 * get()}, end with the parent's main code. At the end the program calls {@code taskDone()} once
 * more than there were items, which is an error (Python's {@code ValueError}). The children write
 * straight to the program's standard output ({@link Output#inherit()}), so lines of different
 * processes come out in the order they were written. The sleeps of 0.5 s and 1 s are 0.1 s and 0.3
 * s.
 */
public final class JoinableQueueScenario extends Scenario {

  static final int PRODUCERS = 3;
  static final int ITEMS = 2;
  static final String MAIN_LINE = "main: all producers joined";
  static final String EXTRA_DONE = "taskDone() once more:";

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void producer(JoinableQueue<String> q, String name) throws InterruptedException {
      for (int i = 0; i < ITEMS; i++) {
        String res = name + " bun" + i;
        Thread.sleep(100); // time to make it
        System.out.println("made " + res);
        q.put(res);
      }
      q.join(); // wait until every item put has been processed
      System.out.println(name + " join() returned");
    }

    static void consumer(JoinableQueue<String> q, String name) throws InterruptedException {
      while (true) {
        String res = q.get();
        Thread.sleep(300); // time to eat it
        System.out.println(name + " ate " + res);
        q.taskDone(); // one item done
      }
    }

    /**
     * Runs three producers and two daemon consumers, joins the producers, then reports one task
     * done too many.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      // Children write straight to this JVM's standard output: lines keep the order of writes.
      MultiprocessingContext ctx =
          Multiprocessing.newLocalContext(
              ProcessOptions.builder().stdout(Output.inherit()).build());
      JoinableQueue<String> q = ctx.joinableQueue();
      q.join(); // nothing put yet: returns at once
      System.out.println("join() on the new queue returned at once");
      List<JvmProcess> producers = new ArrayList<>();
      for (int i = 1; i <= PRODUCERS; i++) {
        String name = "p" + i;
        producers.add(ctx.process(() -> producer(q, name)));
      }
      List<JvmProcess> consumers = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        String name = "c" + i;
        consumers.add(ctx.process(() -> consumer(q, name)).setDaemon(true)); // end with main
      }
      producers.forEach(JvmProcess::start);
      consumers.forEach(JvmProcess::start);
      for (JvmProcess p : producers) {
        p.join();
      }
      System.out.println(MAIN_LINE);
      try {
        q.taskDone(); // one more than the items put
        System.out.println(EXTRA_DONE + " accepted");
      } catch (IllegalStateException e) {
        System.out.println(EXTRA_DONE + " IllegalStateException: " + e.getMessage());
      }
      // Main ends: the daemon consumers, idle in get(), are ended with it.
    }
  }

  /** Creates the scenario. */
  public JoinableQueueScenario() {
    super(
        "joinable-queue",
        "JoinableQueue",
        "Three producers join() a JoinableQueue; two daemon consumers call taskDone()",
        "every producer's join() and the parent's line come after every item is processed; the"
            + " program then ends at once; taskDone() more times than items is an error");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<String> lines = o.texts();
    List<String> made = ProducerConsumer.after(lines, "made ");
    int lastAte = -1;
    int ate = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches("c\\d ate .*")) {
        lastAte = i;
        ate++;
      }
    }
    // Each producer's join() returned after its own items were eaten; all of them, and the main
    // line, after the last item was eaten.
    boolean joinsAfter = true;
    for (int p = 1; p <= PRODUCERS; p++) {
      int joined = o.indexOf("p" + p + " join() returned");
      joinsAfter &= joined > lastAte || (joined >= 0 && ownItemsEatenBefore(lines, p, joined));
    }
    int main = o.indexOf(MAIN_LINE);
    boolean mainAfterAll = main > lastAte && lastAte >= 0;
    boolean extraRejected =
        o.has(EXTRA_DONE) && o.line(EXTRA_DONE).contains("IllegalStateException");
    Duration mainToExit = o.untilExit(MAIN_LINE);
    boolean endedAtOnce = mainToExit.compareTo(Duration.ofSeconds(10)) < 0;
    boolean passed =
        made.size() == PRODUCERS * ITEMS
            && ate == made.size()
            && joinsAfter
            && mainAfterAll
            && extraRejected
            && endedAtOnce
            && o.has("join() on the new queue returned at once")
            && o.exitCode() == 0;
    return Outcome.of(
        passed,
        made.size()
            + " items made, "
            + ate
            + " eaten; producers' join() "
            + (joinsAfter ? "returned after their items were eaten" : "returned too early")
            + "; the parent's line "
            + (mainAfterAll ? "after the last item" : "before the last item")
            + "; program exited "
            + Stopwatch.millis(mainToExit)
            + " later with exit code "
            + o.exitCode()
            + "; one taskDone() too many "
            + (extraRejected ? "threw IllegalStateException" : "was not rejected"));
  }

  /** Whether every item of producer {@code p} was reported eaten before line {@code joined}. */
  private static boolean ownItemsEatenBefore(List<String> lines, int p, int joined) {
    for (int i = 0; i < ITEMS; i++) {
      String suffix = " ate p" + p + " bun" + i;
      boolean seen = false;
      for (int j = 0; j < joined; j++) {
        seen |= lines.get(j).endsWith(suffix);
      }
      if (!seen) {
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
    new JoinableQueueScenario().runAsProgram();
  }
}
