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
 *   <li><b>get, prefetch 250</b>: the same with a context whose {@link
 *       RabbitContext.Builder#prefetch(int) prefetch} is 250, against a raw consumer with prefetch
 *       250: the broker streams items ahead of the taker, so the layer's own cost shows.
 *   <li>a reference row, raw only: publishing with asynchronous confirms (one wait at the end):
 *       what the broker can do when nobody waits per message.
 * </ul>
 *
 * Each figure is the median of {@code --rounds} rounds of {@code --items} items, after a warm-up
 * round; ours and raw take turns going first in a round. Prints a Markdown table; ratio = ours ÷
 * raw, of the medians and (steadier on a noisy machine) the median of each round's own ratio.
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
    double[] oursDeep = new double[rounds];
    double[] rawDeep = new double[rounds];
    double[] asyncPut = new double[rounds];
    try (RabbitContext ctx = RabbitContext.builder().uri(uri).authKey(key).build();
        RabbitContext deep =
            RabbitContext.builder().uri(uri).authKey(key).prefetch(DEEP_PREFETCH).build();
        Connection raw = f.newConnection()) {
      for (int r = -1; r < rounds; r++) { // round -1 warms up
        // Ours and raw take turns going first, so that a drift of the machine's load during a
        // round does not always favour the same side.
        boolean oursFirst = r % 2 == 0;
        double[] ours;
        double[] theirs;
        if (oursFirst) {
          ours = ours(ctx, deep, n);
          theirs = raw(raw, "mp4j.bench.raw." + r, n);
        } else {
          theirs = raw(raw, "mp4j.bench.raw." + r, n);
          ours = ours(ctx, deep, n);
        }
        if (r >= 0) {
          oursPut[r] = ours[0];
          oursGet[r] = ours[1];
          oursDeep[r] = ours[2];
          rawPut[r] = theirs[0];
          rawGet[r] = theirs[1];
          rawDeep[r] = theirs[2];
          asyncPut[r] = theirs[3];
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n%d items of 1 KiB, transient, one thread; median of %d rounds (items/s); the last"
            + " column is the median of each round's ours ÷ raw%n%n",
        items,
        rounds);
    System.out.println("| | mp4j RabbitMQ queue | raw amqp-client | ratio | ratio per round |");
    System.out.println("|---|---:|---:|---:|---:|");
    row("put, confirm per item", oursPut, rawPut);
    row("get, prefetch 1, ack per item", oursGet, rawGet);
    row("get, prefetch " + DEEP_PREFETCH + ", ack per item", oursDeep, rawDeep);
    System.out.printf(
        Locale.ROOT,
        "| raw reference: publish, asynchronous confirms | n/a | %,.0f | n/a | n/a |%n",
        Report.median(asyncPut));
  }

  private static final int DEEP_PREFETCH = 250;

  private static void row(String what, double[] ours, double[] raw) {
    double[] ratios = new double[ours.length];
    for (int i = 0; i < ours.length; i++) {
      ratios[i] = ours[i] / raw[i];
    }
    double o = Report.median(ours);
    double t = Report.median(raw);
    System.out.printf(
        Locale.ROOT,
        "| %s | %,.0f | %,.0f | %.2f× | %.2f× |%n",
        what,
        o,
        t,
        o / t,
        Report.median(ratios));
  }

  /** One round of ours: put, get with prefetch 1, then put again and get with a deep prefetch. */
  private static double[] ours(RabbitContext ctx, RabbitContext deep, int n) throws Exception {
    ProcessQueue<byte[]> q = ctx.queue();
    double put = rate(n, () -> oursPuts(q, n));
    double get = rate(n, () -> oursGets(q, n));
    q.close();
    ProcessQueue<byte[]> d = deep.queue();
    oursPuts(d, n);
    double deepGet = rate(n, () -> oursGets(d, n));
    d.close();
    return new double[] {put, get, deepGet};
  }

  /** One round of raw: the same three, then publishing with asynchronous confirms. */
  private static double[] raw(Connection raw, String name, int n) throws Exception {
    try (Channel ch = raw.createChannel()) {
      ch.queueDeclare(name, true, false, false, Map.of("x-queue-type", "classic"));
      ch.confirmSelect();
      double put = rate(n, () -> rawPuts(ch, name, n, true));
      double get = rate(n, () -> rawGets(raw, name, n, 1));
      rawPuts(ch, name, n, false);
      double deepGet = rate(n, () -> rawGets(raw, name, n, DEEP_PREFETCH));
      double async = rate(n, () -> rawPuts(ch, name, n, false));
      ch.queueDelete(name);
      return new double[] {put, get, deepGet, async};
    }
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
