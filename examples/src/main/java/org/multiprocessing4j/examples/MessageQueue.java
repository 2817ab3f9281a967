package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * Producers and consumers in separate processes through RabbitMQ (tutorial, 生产者消费者 总结 3: "a queue
 * on one machine is centralised; use a network message queue such as RabbitMQ").
 *
 * <p>The program is the local producer/consumer with sentinels, and only the line that makes the
 * context differs: {@code RabbitContext.builder()...build()} instead of {@code
 * Multiprocessing.local()}. The queue lives in the broker, so the consumers could as well run on
 * other hosts; here they are child JVMs of this one, each with its own connection. Consumers report
 * what they ate through a second broker queue, and the parent prints the reports.
 *
 * <p>The broker is the one at {@code MP4J_BROKER}; without it, a private one is started when {@code
 * rabbitmq-server} is installed; otherwise the scenario says how to get one.
 */
public final class MessageQueue extends Scenario {

  static final int PRODUCERS = 2;
  static final int ITEMS = 5;
  static final int CONSUMERS = 2;
  static final String STOP = "STOP";
  static final long EAT_MILLIS = 100;

  /** The tutorial's producer/consumer program, on any context. */
  public static final class Program {
    private Program() {}

    static void producer(String name, ProcessQueue<String> q) throws InterruptedException {
      for (int i = 0; i < ITEMS; i++) {
        q.put(name + " bun " + i);
      }
    }

    static void consumer(String name, ProcessQueue<String> q, ProcessQueue<String> eaten)
        throws InterruptedException {
      long pid = ProcessHandle.current().pid();
      while (true) {
        String item = q.get();
        if (item.equals(STOP)) {
          return; // the sentinel: no more buns
        }
        Thread.sleep(EAT_MILLIS); // the tutorial's consumer takes 1 to 3 s; scaled down
        eaten.put(name + " (pid " + pid + ") ate " + item);
      }
    }

    /**
     * Runs producers and consumers in child processes of {@code ctx}, prints what was eaten.
     *
     * @return the lines printed, and the pids of the producers after them
     */
    static List<String> run(MultiprocessingContext ctx, PrintStream out) throws Exception {
      ProcessQueue<String> q = ctx.queue();
      ProcessQueue<String> eaten = ctx.queue();
      out.println("(eating a bun takes " + EAT_MILLIS + " ms here, 1 to 3 s in the tutorial)");
      List<JvmProcess> producers = new ArrayList<>();
      for (int i = 1; i <= PRODUCERS; i++) {
        String name = "producer " + i;
        producers.add(ctx.process(() -> producer(name, q)).start());
      }
      List<JvmProcess> consumers = new ArrayList<>();
      for (int i = 1; i <= CONSUMERS; i++) {
        String name = "consumer " + i;
        consumers.add(ctx.process(() -> consumer(name, q, eaten)).start());
      }
      for (JvmProcess p : producers) {
        p.join();
      }
      for (int i = 0; i < CONSUMERS; i++) {
        q.put(STOP); // one sentinel per consumer
      }
      List<String> lines = new ArrayList<>();
      for (int n = 0; n < PRODUCERS * ITEMS; n++) {
        String line = eaten.get(Duration.ofSeconds(60));
        out.println(line);
        lines.add(line);
      }
      for (JvmProcess c : consumers) {
        c.join();
      }
      for (JvmProcess p : producers) {
        lines.add("producer pid " + p.pid());
      }
      return lines;
    }
  }

  /** Creates the scenario. */
  public MessageQueue() {
    super(
        "message-queue",
        "生产者消费者 总结 3",
        "Producers and consumers in separate processes through a RabbitMQ queue",
        "every bun is eaten exactly once, by consumer processes other than the producers, each"
            + " producer's buns in the order made; the consumers stop at their sentinels");
  }

  @Override
  public boolean usesBroker() {
    return true;
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    try (DemoBroker broker = DemoBroker.find(out)) {
      String uri = broker.uri();
      if (uri == null) {
        out.println("no RabbitMQ broker: " + broker.problem());
        out.println("to run this demo, " + broker.advice());
        return Outcome.of(false, "not run: no RabbitMQ broker (" + broker.problem() + ")");
      }
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key); // the children get it with the queues
      List<String> lines;
      // The one line that differs from the local program:
      try (MultiprocessingContext ctx =
          RabbitContext.builder().uri(uri).authKey(key).namespace("mp4j-demo").build()) {
        lines = Program.run(ctx, out);
      }
      return judge(lines);
    }
  }

  /** Judges the lines {@link Program#run} returned, whatever the context. */
  static Outcome judge(List<String> lines) {
    Set<String> eatenItems = new HashSet<>();
    Set<String> consumerPids = new HashSet<>();
    Set<String> producerPids = new HashSet<>();
    Map<String, Integer> lastBun = new HashMap<>();
    boolean inOrder = true;
    boolean once = true;
    for (String line : lines) {
      if (line.startsWith("producer pid ")) {
        producerPids.add(line.substring("producer pid ".length()));
        continue;
      }
      // "consumer 1 (pid 123) ate producer 2 bun 4"
      String consumer = line.substring(0, line.indexOf(" (pid "));
      String pid = line.substring(line.indexOf("(pid ") + 5, line.indexOf(')'));
      String item = line.substring(line.indexOf(" ate ") + 5);
      consumerPids.add(pid);
      once &= eatenItems.add(item);
      String producer = item.substring(0, item.indexOf(" bun "));
      int bun = Integer.parseInt(item.substring(item.indexOf(" bun ") + 5));
      Integer last = lastBun.put(consumer + "/" + producer, bun);
      inOrder &= last == null || last < bun;
    }
    String self = Long.toString(ProcessHandle.current().pid());
    boolean separate =
        !consumerPids.contains(self) && consumerPids.stream().noneMatch(producerPids::contains);
    boolean all = eatenItems.size() == PRODUCERS * ITEMS;
    return Outcome.of(
        all && once && inOrder && separate,
        eatenItems.size()
            + " of "
            + PRODUCERS * ITEMS
            + " buns eaten"
            + (once ? ", each once" : ", some twice")
            + (inOrder ? ", in each producer's order" : ", out of order")
            + ", by "
            + consumerPids.size()
            + " consumer process(es) "
            + (separate ? "apart from" : "NOT apart from")
            + " the "
            + producerPids.size()
            + " producers and the parent");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new MessageQueue().runAsProgram();
  }
}
