package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.ProcessQueue;

/**
 * Producers done, the parent sends one end signal per consumer (tutorial, 生产者消费者模型, 2 the first
 * fix: an end signal, {@code None}).
 *
 * <pre>{@code
 * def producer(q):
 *     for i in range(10):
 *         res = '包子%s' % i
 *         time.sleep(0.5)
 *         print('生产者生产了%s' % res)
 *         q.put(res)
 *
 * def consumer(q):
 *     while True:
 *         res = q.get()
 *         if res is None: break
 *         time.sleep(1)
 *         print('消费者消费了%s' % res)
 *
 * q = Queue()
 * p1, p2, p3 = (Process(target=producer, args=(q,)) for _ in range(3))
 * c1, c2 = (Process(target=consumer, args=(q,)) for _ in range(2))
 * for p in (p1, p2, p3, c1, c2): p.start()
 * p1.join(); p2.join(); p3.join()   # every producer is done before the signals go in
 * q.put(None)                       # one end signal per consumer
 * q.put(None)
 * print("主进程")
 * }</pre>
 *
 * <p>A {@link ProcessQueue} holds no {@code null} (as no {@link java.util.concurrent.BlockingQueue}
 * does), so the end signal is an enum constant, which stays itself when copied to another process
 * and can be compared with {@code ==}, as Python compares with {@code is None}. Producers name
 * their items so that each can be traced. The sleeps of 0.5 s and 1 s are 0.05 s and 0.1 s.
 */
public final class Sentinel extends Scenario {

  static final int PRODUCERS = 3;
  static final int CONSUMERS = 2;
  static final int ITEMS = 10;

  /** Python's {@code None} as an end signal: every consumer stops when it gets one. */
  enum Signal {
    END
  }

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void producer(ProcessQueue<Object> q, String name) throws InterruptedException {
      for (int i = 0; i < ITEMS; i++) {
        String res = name + " bun" + i;
        Thread.sleep(50); // time to make it
        System.out.println("made " + res);
        q.put(res);
      }
    }

    static void consumer(ProcessQueue<Object> q, String name) throws InterruptedException {
      while (true) {
        Object res = q.get();
        if (res == Signal.END) {
          break;
        }
        Thread.sleep(100); // time to eat it
        System.out.println(name + " ate " + res);
      }
      System.out.println(name + " got the end signal and stops");
    }

    /**
     * Runs three producers and two consumers; after the producers end, sends two end signals.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      ProcessQueue<Object> q = Multiprocessing.local().queue();
      List<JvmProcess> producers = new ArrayList<>();
      for (int i = 1; i <= PRODUCERS; i++) {
        producers.add(new JvmProcess(Program::producer, q, "p" + i));
      }
      List<JvmProcess> consumers = new ArrayList<>();
      for (int i = 1; i <= CONSUMERS; i++) {
        consumers.add(new JvmProcess(Program::consumer, q, "c" + i));
      }
      producers.forEach(JvmProcess::start);
      consumers.forEach(JvmProcess::start);
      for (JvmProcess p : producers) {
        p.join(); // every item is in the queue before the end signals
      }
      for (int i = 0; i < CONSUMERS; i++) {
        q.put(Signal.END); // one per consumer: the one that takes it stops taking
      }
      System.out.println("main");
      // The JVM ends when the non-daemon consumers have ended, as Python's program does.
    }
  }

  /** Creates the scenario. */
  public Sentinel() {
    super(
        "sentinel",
        "改进方案一",
        "Three producers and two consumers; after the producers end, one end signal per consumer",
        "every item made is eaten exactly once, then every consumer stops and the program exits");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<String> lines = o.texts();
    List<String> made = ProducerConsumer.after(lines, "made ");
    List<String> eaten = new ArrayList<>();
    for (int c = 1; c <= CONSUMERS; c++) {
      eaten.addAll(ProducerConsumer.after(lines, "c" + c + " ate "));
    }
    Set<String> madeSet = new HashSet<>(made);
    boolean allOnce =
        made.size() == PRODUCERS * ITEMS
            && madeSet.size() == made.size()
            && eaten.size() == made.size()
            && new HashSet<>(eaten).equals(madeSet);
    int stopped = 0;
    for (int c = 1; c <= CONSUMERS; c++) {
      if (o.has("c" + c + " got the end signal")) {
        stopped++;
      }
    }
    boolean passed = allOnce && stopped == CONSUMERS && o.exitCode() == 0;
    return Outcome.of(
        passed,
        made.size()
            + " items made, "
            + eaten.size()
            + " eaten"
            + (allOnce ? " (each exactly once)" : " (not each exactly once)")
            + "; "
            + stopped
            + " of "
            + CONSUMERS
            + " consumers stopped at the end signal; program exit code "
            + o.exitCode());
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Sentinel().runAsProgram();
  }
}
