package org.multiprocessing4j.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * Throughput of the RabbitMQ queues against the raw {@code amqp-client} doing the same work on the
 * same broker, in the same run: one thread, 1 KiB items, transient messages on a classic queue.
 *
 * <ul>
 *   <li><b>put</b>: {@link ProcessQueue#put} (signs, publishes, waits for the confirm) against a
 *       raw publish followed by {@code waitForConfirmsOrDie}, per message.
 *   <li><b>get</b>: {@link ProcessQueue#get} from a full queue (checks the signature, decodes,
 *       acknowledges the previous item) against a raw consumer with prefetch 1 whose thread
 *       acknowledges the previous delivery, then takes the next from a buffer.
 *   <li>reference rows, raw only: publishing with asynchronous confirms (one wait at the end) and
 *       consuming with prefetch 250: what the broker can do when nobody waits per message.
 * </ul>
 *
 * Each figure is the median of {@code --rounds} rounds of {@code --items} items, after a warm-up
 * round. Prints a Markdown table; ratio = ours ÷ raw.
 *
 * <pre>
 * ./mvnw -q -pl bench -am package -DskipTests
 * uri=$(.ci/rabbitmq.sh start /tmp/broker)
 * java -cp bench/target/multiprocessing4j-bench-0.1.0-SNAPSHOT.jar \
 *     org.multiprocessing4j.bench.RabbitThroughput --uri "$uri" [--items 5000] [--rounds 5]
 * .ci/rabbitmq.sh stop /tmp/broker
 * </pre>
 */
public final class RabbitThroughput {

  private RabbitThroughput() {}

  private static final byte[] ITEM = new byte[1024];

  public static void main(String[] args) throws Exception {
    String uri = System.getenv("MP4J_AMQP_URI");
    int items = 5_000;
    int rounds = 5;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--uri" -> uri = args[i + 1];
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (uri == null) {
      throw new IllegalArgumentException("give --uri amqp://... or set MP4J_AMQP_URI");
    }
    int n = items;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri);
    double[] oursPut = new double[rounds];
    double[] rawPut = new double[rounds];
    double[] oursGet = new double[rounds];
    double[] rawGet = new double[rounds];
    double[] asyncPut = new double[rounds];
    double[] prefetchGet = new double[rounds];
    try (RabbitContext ctx = RabbitContext.builder().uri(uri).authKey(key).build();
        Connection raw = f.newConnection()) {
      for (int r = -1; r < rounds; r++) { // round -1 warms up
        ProcessQueue<byte[]> q = ctx.queue();
        double put = rate(n, () -> oursPuts(q, n));
        double get = rate(n, () -> oursGets(q, n));
        q.close();
        String name = "mp4j.bench.raw." + r;
        double rp;
        double rg;
        double ap;
        double pg;
        try (Channel ch = raw.createChannel()) {
          ch.queueDeclare(name, true, false, false, Map.of("x-queue-type", "classic"));
          ch.confirmSelect();
          rp = rate(n, () -> rawPuts(ch, name, n, true));
          rg = rate(n, () -> rawGets(raw, name, n, 1));
          ap = rate(n, () -> rawPuts(ch, name, n, false));
          pg = rate(n, () -> rawGets(raw, name, n, 250));
          ch.queueDelete(name);
        }
        if (r >= 0) {
          oursPut[r] = put;
          oursGet[r] = get;
          rawPut[r] = rp;
          rawGet[r] = rg;
          asyncPut[r] = ap;
          prefetchGet[r] = pg;
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%d items of 1 KiB, transient, one thread; median of %d rounds (items/s)%n%n",
        items,
        rounds);
    System.out.println("| | mp4j RabbitMQ queue | raw amqp-client | ratio |");
    System.out.println("|---|---|---|---|");
    Report.rateRow("put, confirm per item", Report.median(oursPut), Report.median(rawPut));
    Report.rateRow("get, prefetch 1, ack per item", Report.median(oursGet), Report.median(rawGet));
    System.out.printf(
        Locale.ROOT,
        "| raw reference: publish, asynchronous confirms | n/a | %,.0f | n/a |%n",
        Report.median(asyncPut));
    System.out.printf(
        Locale.ROOT,
        "| raw reference: consume, prefetch 250, ack per item | n/a | %,.0f | n/a |%n",
        Report.median(prefetchGet));
  }

  interface Work {
    void run() throws Exception;
  }

  private static double rate(int items, Work w) throws Exception {
    long t0 = System.nanoTime();
    w.run();
    return items / ((System.nanoTime() - t0) / 1e9);
  }

  private static void oursPuts(ProcessQueue<byte[]> q, int items) throws InterruptedException {
    for (int i = 0; i < items; i++) {
      q.put(ITEM);
    }
  }

  private static void oursGets(ProcessQueue<byte[]> q, int items) throws InterruptedException {
    for (int i = 0; i < items; i++) {
      q.get();
    }
  }

  private static void rawPuts(Channel ch, String queue, int items, boolean waitEach)
      throws Exception {
    AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().deliveryMode(1).build();
    for (int i = 0; i < items; i++) {
      ch.basicPublish("", queue, true, props, ITEM);
      if (waitEach) {
        ch.waitForConfirmsOrDie(60_000);
      }
    }
    ch.waitForConfirmsOrDie(60_000);
  }

  private static void rawGets(Connection c, String queue, int items, int prefetch)
      throws Exception {
    try (Channel ch = c.createChannel()) {
      ch.basicQos(prefetch);
      LinkedBlockingQueue<Long> buffer = new LinkedBlockingQueue<>();
      String tag =
          ch.basicConsume(
              queue,
              false,
              new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(
                    String t, Envelope e, AMQP.BasicProperties p, byte[] body) {
                  buffer.add(e.getDeliveryTag());
                }
              });
      long previous = -1;
      for (int i = 0; i < items; i++) {
        if (previous >= 0) {
          ch.basicAck(previous, false); // before waiting, as ProcessQueue.get does
        }
        previous = buffer.take();
      }
      ch.basicAck(previous, false);
      ch.basicCancel(tag);
    }
  }
}
