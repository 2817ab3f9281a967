package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueEmptyException;
import org.multiprocessing4j.QueueFullException;

/**
 * A queue of three items: full, then empty, and what blocks (tutorial, 六.队列, 5 the queue's use).
 *
 * <pre>{@code
 * q = Queue(3)
 * q.put('hello')
 * q.put({'a': 1})
 * q.put([3, 3, 3])
 * print(q.full())     # True
 * # q.put(123)        # the queue is full: this would block here
 * print(q.get())
 * print(q.get())
 * print(q.get())
 * print(q.empty())    # True
 * # print(q.get())    # the queue is empty: this would block here
 * }</pre>
 *
 * <p>Where the tutorial comments a blocking call out, the program makes it in a thread, shows that
 * it is still blocked after half a second and interrupts it; then it makes the same call with a
 * timeout and without waiting, which raise {@link QueueFullException} and {@link
 * QueueEmptyException} (Python's {@code Full} and {@code Empty}).
 */
public final class QueueBasics extends Scenario {

  static final Duration WAIT = Duration.ofMillis(500);

  private static final Pattern AFTER = Pattern.compile(" after (\\d+) ms$");

  /** The tutorial's program. */
  public static final class Program {
    private Program() {}

    /**
     * Makes {@code call} in a thread, reports that it is still blocked after WAIT, interrupts it.
     */
    static void showBlocks(String call, Callable<?> c) throws InterruptedException {
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      System.out.println(call + " returned " + c.call());
                    } catch (InterruptedException e) {
                      // what the interrupt below is for: nothing was put or taken
                    } catch (Exception e) {
                      System.out.println(call + " threw " + e);
                    }
                  });
      boolean ended = t.join(WAIT);
      System.out.println(
          call + (ended ? " did not block" : " still blocked after " + WAIT.toMillis() + " ms"));
      t.interrupt();
      t.join();
    }

    /** Makes {@code call} and reports the exception it raised and how long it took. */
    static void showRaises(String call, Callable<?> c) {
      long start = System.nanoTime();
      try {
        System.out.println(call + " returned " + c.call());
      } catch (QueueFullException | QueueEmptyException e) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(
            call + " raised " + e.getClass().getSimpleName() + " after " + ms + " ms");
      } catch (Exception e) {
        System.out.println(call + " threw " + e);
      }
    }

    /**
     * Fills a queue of three, empties it, and tries one put too many and one get too many.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while waiting
     */
    public static void main(String[] args) throws InterruptedException {
      ProcessQueue<Object> q = Multiprocessing.local().queue(3); // Queue(3): at most 3 items
      q.put("hello");
      q.put(Map.of("a", 1));
      q.put(List.of(3, 3, 3));
      System.out.println("full() " + q.full());
      showBlocks("put(123)", () -> put(q, 123)); // the tutorial's commented-out q.put(123)
      showRaises("put(123, 500 ms)", () -> put(q, 123, WAIT));
      showRaises("putNowait(123)", () -> putNowait(q, 123));
      System.out.println("get() " + q.get());
      System.out.println("get() " + q.get());
      System.out.println("get() " + q.get());
      System.out.println("empty() " + q.empty());
      showBlocks("get()", q::get); // the tutorial's commented-out print(q.get())
      showRaises("get(500 ms)", () -> q.get(WAIT));
      showRaises("getNowait()", q::getNowait);
    }

    private static String put(ProcessQueue<Object> q, Object item) throws InterruptedException {
      q.put(item);
      return "(put)";
    }

    private static String put(ProcessQueue<Object> q, Object item, Duration timeout)
        throws InterruptedException {
      q.put(item, timeout);
      return "(put)";
    }

    private static String putNowait(ProcessQueue<Object> q, Object item) {
      q.putNowait(item);
      return "(put)";
    }
  }

  /** Creates the scenario. */
  public QueueBasics() {
    super(
        "queue-basics",
        "六.队列 5",
        "A queue of 3: put 3 items, full() is true, get them back, empty() is true",
        "FIFO order; a 4th put blocks (with a timeout or nowait it raises Full); a get on the empty"
            + " queue blocks (with a timeout or nowait it raises Empty)");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    ProgramOutput o = ProcessScenarios.runProgram(Program.class, out);
    List<String> lines = o.texts();
    List<String> fixed =
        List.of(
            "full() true",
            "put(123) still blocked after 500 ms",
            "putNowait(123) raised QueueFullException after",
            "get() hello",
            "get() {a=1}",
            "get() [3, 3, 3]",
            "empty() true",
            "get() still blocked after 500 ms",
            "getNowait() raised QueueEmptyException after");
    boolean inOrder = startsInOrder(lines, fixed);
    long putWaited = waitedMillis(o, "put(123, 500 ms) raised QueueFullException");
    long getWaited = waitedMillis(o, "get(500 ms) raised QueueEmptyException");
    long nowait = Math.max(waitedMillis(o, "putNowait"), waitedMillis(o, "getNowait"));
    long atLeast = WAIT.toMillis() - 10; // slack for clock granularity, never an early return
    boolean timedOut = putWaited >= atLeast && getWaited >= atLeast;
    boolean passed =
        inOrder && timedOut && nowait >= 0 && nowait < WAIT.toMillis() && o.exitCode() == 0;
    return Outcome.of(
        passed,
        (inOrder
                ? "full() true, items back in order, empty() true; put and get blocked"
                : "unexpected lines: " + lines)
            + "; with a 500 ms timeout Full after "
            + putWaited
            + " ms and Empty after "
            + getWaited
            + " ms; nowait raised after at most "
            + nowait
            + " ms; program exit code "
            + o.exitCode());
  }

  /** Whether each of {@code prefixes} starts a line, in this order. */
  static boolean startsInOrder(List<String> lines, List<String> prefixes) {
    int i = 0;
    for (String line : lines) {
      if (i < prefixes.size() && line.startsWith(prefixes.get(i))) {
        i++;
      }
    }
    return i == prefixes.size();
  }

  /** The milliseconds in the " after N ms" of the line starting with {@code prefix}, or -1. */
  private static long waitedMillis(ProgramOutput o, String prefix) {
    if (!o.has(prefix)) {
      return -1;
    }
    Matcher m = AFTER.matcher(o.line(prefix));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new QueueBasics().runAsProgram();
  }
}
