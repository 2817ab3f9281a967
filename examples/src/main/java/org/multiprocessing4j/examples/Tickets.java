package org.multiprocessing4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessOptions;

/**
 * Ten buyers, one ticket, a JSON file as the database (tutorial, 六 互斥锁, the ticket example).
 *
 * <pre>{@code
 * def search(name):
 *     time.sleep(1)                      # network delay: everyone looks at the same time
 *     dic = json.load(open('db.txt'))
 *     print('<%s> sees [%s] tickets left' % (name, dic['count']))
 *
 * def get(name):
 *     time.sleep(1)
 *     dic = json.load(open('db.txt'))
 *     if dic['count'] > 0:
 *         dic['count'] -= 1
 *         time.sleep(3)
 *         json.dump(dic, open('db.txt', 'w'))
 *         print('<%s> bought a ticket' % name)
 *
 * def task(name, mutex):
 *     search(name)        # concurrent: everyone sees the ticket
 *     mutex.acquire()
 *     get(name)           # serial: one buyer at a time
 *     mutex.release()
 *
 * mutex = Lock()
 * for i in range(10):
 *     Process(target=task, args=('buyer %s' % i, mutex)).start()
 * }</pre>
 *
 * <p>The program runs the buyers twice: first without the lock, which oversells the one ticket,
 * then with a {@link ProcessLock}, with which exactly one buyer gets it. Where the tutorial sleeps
 * so that the buyers look and buy at the same moment, two {@link ProcessBarrier}s line them up (ten
 * JVMs do not all start within a second on a small machine); the 3 s delay before the write is 0.3
 * s here.
 */
public final class Tickets extends Scenario {

  static final int BUYERS = 10;
  static final String WITHOUT = "-- 10 buyers without a lock";
  static final String WITH = "-- 10 buyers with a ProcessLock";
  static final Duration WRITE_DELAY = Duration.ofMillis(300);
  static final Duration LINE_UP_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern COUNT = Pattern.compile("\"count\"\\s*:\\s*(-?\\d+)");

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    static int readCount(String db) {
      try {
        Matcher m = COUNT.matcher(Files.readString(Path.of(db), UTF_8));
        if (!m.find()) {
          throw new IllegalStateException("no count in " + db);
        }
        return Integer.parseInt(m.group(1));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static void writeCount(String db, int count) {
      try {
        Files.writeString(Path.of(db), "{\"count\": " + count + "}", UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Looks at the ticket count. */
    static void search(String name, String db) {
      System.out.println(name + " sees " + readCount(db) + " ticket(s) left");
    }

    /** Buys a ticket if there is one: read, decide, (network delay), write. */
    static void get(String name, String db) throws InterruptedException {
      int count = readCount(db);
      if (count > 0) {
        count--;
        Thread.sleep(WRITE_DELAY.toMillis());
        writeCount(db, count);
        System.out.println(name + " bought a ticket");
      } else {
        System.out.println(name + " found none left");
      }
    }

    static void task(
        String name,
        String db,
        ProcessBarrier lookTogether,
        ProcessBarrier buyTogether,
        @Nullable ProcessLock mutex)
        throws Exception {
      lookTogether.await(LINE_UP_TIMEOUT); // the tutorial's time.sleep(1) before searching
      search(name, db); // concurrent: everyone sees the ticket
      buyTogether.await(LINE_UP_TIMEOUT); // everyone has looked before anyone buys
      if (mutex == null) {
        get(name, db);
      } else {
        mutex.acquire();
        try {
          get(name, db); // serial: one buyer at a time
        } finally {
          mutex.release();
        }
      }
    }

    /** Runs the ten buyers once and reports what they did. */
    static void sell(MultiprocessingContext ctx, String db, @Nullable ProcessLock mutex)
        throws InterruptedException {
      writeCount(db, 1);
      ProcessBarrier lookTogether = ctx.barrier(BUYERS);
      ProcessBarrier buyTogether = ctx.barrier(BUYERS);
      List<JvmProcess> buyers = new ArrayList<>();
      for (int i = 0; i < BUYERS; i++) {
        String name = "buyer " + i;
        JvmProcess p = new JvmProcess(() -> task(name, db, lookTogether, buyTogether, mutex));
        p.start();
        buyers.add(p);
      }
      for (JvmProcess p : buyers) {
        p.join();
      }
      System.out.println("the file now says count = " + readCount(db));
    }

    /**
     * Sells the ticket twice: without the lock, then with it.
     *
     * @param args ignored
     * @throws IOException if the file db cannot be made
     * @throws InterruptedException if interrupted while joining
     */
    public static void main(String[] args) throws IOException, InterruptedException {
      Path dir = Files.createTempDirectory("mp4j-tickets");
      String db = dir.resolve("db.json").toString();
      System.out.println(
          "(buyers line up at barriers where the tutorial sleeps 1 s; the 3 s delay before"
              + " writing the file is 0.3 s)");
      try (MultiprocessingContext ctx =
          Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
        System.out.println(WITHOUT);
        sell(ctx, db, null);
        System.out.println(WITH);
        sell(ctx, db, ctx.lock()); // one lock, shared by all buyers
      } finally {
        Files.deleteIfExists(Path.of(db));
        Files.deleteIfExists(dir);
      }
    }
  }

  /** Creates the scenario. */
  public Tickets() {
    super(
        "tickets",
        "六 买票",
        "Ten buyer processes and one ticket in a JSON file, without and with a lock",
        "all 10 buyers see 1 ticket; without the lock several buy it (oversold), with the lock"
            + " exactly one does");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<String> lines = o.texts();
    int with = lines.indexOf(WITH);
    if (with < 0) {
      return Outcome.of(false, "the program did not get to the run with the lock: " + lines);
    }
    List<String> first = lines.subList(0, with);
    List<String> second = lines.subList(with, lines.size());
    long sawFirst = count(first, "sees 1 ticket(s) left");
    long soldFirst = count(first, "bought a ticket");
    long sawSecond = count(second, "sees 1 ticket(s) left");
    long soldSecond = count(second, "bought a ticket");
    boolean passed =
        sawFirst == BUYERS
            && soldFirst > 1
            && sawSecond == BUYERS
            && soldSecond == 1
            && o.exitCode() == 0;
    return Outcome.of(
        passed,
        "without the lock "
            + sawFirst
            + " buyers saw 1 ticket and "
            + soldFirst
            + " bought it (oversold); with the lock "
            + sawSecond
            + " saw it and "
            + soldSecond
            + " bought it; program exit code "
            + o.exitCode());
  }

  private static long count(List<String> lines, String suffix) {
    return lines.stream().filter(l -> l.endsWith(suffix)).count();
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Tickets().runAsProgram();
  }
}
