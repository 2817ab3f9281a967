package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.ProcessQueue;

/**
 * A producer process and a consumer process over a queue (tutorial, 生产者消费者模型, 1 based on a queue).
 *
 * <pre>{@code
 * def consumer(q, name):
 *     while True:
 *         res = q.get()
 *         time.sleep(random.randint(1, 3))
 *         print('%s 吃 %s' % (name, res))
 *
 * def producer(q, name, food):
 *     for i in range(3):
 *         time.sleep(random.randint(1, 3))
 *         res = '%s%s' % (food, i)
 *         q.put(res)
 *         print('%s 生产了 %s' % (name, res))
 *
 * q = Queue()
 * p1 = Process(target=producer, args=(q, 'egon', '包子'))
 * c1 = Process(target=consumer, args=(q, 'alex'))
 * p1.start()
 * c1.start()
 * print('主程序')
 * }</pre>
 *
 * <p>The consumer eats what the producer made, in order. The tutorial then points out the flaw: the
 * consumer has no way to know the producer is done, so it waits in {@code q.get()} forever and the
 * program never ends. Here the program joins the producer, waits a bounded time for the consumer,
 * shows it is still alive with the queue empty, and terminates it. The sleeps of 1 to 3 s are 0.1
 * to 0.3 s. {@link Sentinel} and {@link JoinableQueueScenario} are the tutorial's two fixes.
 */
public final class ProducerConsumer extends Scenario {

  static final int ITEMS = 3;
  static final Duration BOUNDED_WAIT = Duration.ofSeconds(2);
  static final String STILL_ALIVE = "the consumer is still alive";

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static void pause() throws InterruptedException {
      Thread.sleep(ThreadLocalRandom.current().nextInt(100, 301)); // randint(1, 3) seconds, scaled
    }

    static void consumer(ProcessQueue<String> q, String name) throws InterruptedException {
      while (true) {
        String res = q.get(); // with nothing left to get, waits here forever
        pause();
        System.out.println(name + " ate " + res);
      }
    }

    static void producer(ProcessQueue<String> q, String name, String food)
        throws InterruptedException {
      for (int i = 0; i < ITEMS; i++) {
        pause();
        String res = food + i;
        q.put(res);
        System.out.println(name + " made " + res);
      }
    }

    /**
     * Starts the producer and the consumer, then ends the consumer that would never end.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws InterruptedException {
      ProcessQueue<String> q = Multiprocessing.local().queue();
      JvmProcess p1 = new JvmProcess(() -> producer(q, "egon", "bun"));
      JvmProcess c1 = new JvmProcess(Program::consumer, q, "alex");
      p1.start();
      c1.start();
      System.out.println("main program");

      // The tutorial's program stops here and never ends. Show why, then end it.
      p1.join();
      boolean ended = c1.join(BOUNDED_WAIT);
      System.out.println(
          (ended ? "the consumer ended" : STILL_ALIVE)
              + " "
              + BOUNDED_WAIT.toSeconds()
              + " s after the producer ended; queue empty: "
              + q.empty());
      c1.terminate(); // no end signal reaches it: it waits in q.get() forever
      c1.join();
      System.out.println("terminated the consumer: exit code " + c1.exitCode().orElse(0));
    }
  }

  /** Creates the scenario. */
  public ProducerConsumer() {
    super(
        "producer-consumer",
        "生产者消费者 1",
        "A producer process and a consumer process over a queue, without an end signal",
        "the consumer eats what the producer made, in order; without an end signal it never ends"
            + " (shown by a bounded wait, then terminated)");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<String> made = after(o.texts(), "egon made ");
    List<String> ate = after(o.texts(), "alex ate ");
    List<String> expected = List.of("bun0", "bun1", "bun2");
    boolean inOrder = made.equals(expected) && ate.equals(expected);
    boolean neverEnded = o.has(STILL_ALIVE) && o.line(STILL_ALIVE).endsWith("queue empty: true");
    int exit = o.lastNumber("terminated the consumer").orElse(0);
    boolean passed = inOrder && neverEnded && exit == -15 && o.exitCode() == 0;
    return Outcome.of(
        passed,
        "made "
            + made
            + ", ate "
            + ate
            + "; "
            + (neverEnded
                ? "consumer still waiting " + BOUNDED_WAIT.toSeconds() + " s later, queue empty"
                : "the consumer did not stay blocked")
            + "; terminated with exit code "
            + exit
            + "; program exit code "
            + o.exitCode());
  }

  /** The rest of every line that starts with {@code prefix}, in order. */
  static List<String> after(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .toList();
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ProducerConsumer().runAsProgram();
  }
}
