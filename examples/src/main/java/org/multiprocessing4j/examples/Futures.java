package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.multiprocessing4j.PoolExecutor;
import org.multiprocessing4j.ProcessPoolExecutor;

/**
 * Futures of a process pool: submit, map with a timeout and chunk size, result with a timeout, done
 * callbacks, shutdown (tutorial, 十一.1).
 *
 * <pre>{@code
 * pool = ProcessPoolExecutor(2)
 * futures = [pool.submit(square, i) for i in range(5)]
 * for f in futures: f.add_done_callback(report)     # once per future
 * print(list(pool.map(square, range(10), timeout=30, chunksize=3)))   # in input order
 * slow = pool.submit(time.sleep, 3)
 * slow.result(timeout=0.5)                          # raises TimeoutError
 * pool.shutdown(wait=True)
 * }</pre>
 */
public final class Futures extends Scenario {

  static int square(int x) throws InterruptedException {
    Thread.sleep(20);
    return x * x;
  }

  /** Creates the scenario. */
  public Futures() {
    super(
        "futures",
        "十一.1",
        "submit, map(timeout, chunksize), result(timeout), done callbacks, shutdown(wait)",
        "map's results come in input order; result(timeout) raises a timeout when late; each"
            + " future's callback runs exactly once");
  }

  @Override
  public Outcome run(PrintStream out) throws Exception {
    AtomicInteger callbacks = new AtomicInteger();
    List<Integer> mapped;
    boolean timedOut = false;
    List<Integer> submitted = new ArrayList<>();
    int futures;
    try (PoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<CompletableFuture<Integer>> fs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int n = i;
        CompletableFuture<Integer> f = pool.submit(() -> square(n));
        var unused =
            f.whenComplete(
                (v, e) -> {
                  callbacks.incrementAndGet();
                  out.println("callback: a future completed with " + v);
                });
        fs.add(f);
      }
      for (CompletableFuture<Integer> f : fs) {
        submitted.add(f.get(60, TimeUnit.SECONDS));
      }
      out.println("submit results: " + submitted);

      mapped =
          pool.map(
                  Futures::square,
                  IntStream.range(0, 10).boxed().toList(),
                  3,
                  Duration.ofSeconds(60))
              .toList();
      out.println("map(timeout=60 s, chunksize=3): " + mapped);

      CompletableFuture<Integer> slow =
          pool.submit(
              () -> {
                Thread.sleep(3_000);
                return 0;
              });
      var unused =
          slow.whenComplete(
              (v, e) -> {
                callbacks.incrementAndGet();
                out.println("callback: the slow future completed");
              });
      try {
        slow.get(500, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        timedOut = true;
        out.println("result(timeout=0.5 s) raised TimeoutException");
      }
      futures = fs.size() + 1;
      pool.shutdown(true, false);
      out.println("shutdown(wait=True) returned");
    }
    List<Integer> expected = IntStream.range(0, 10).map(x -> x * x).boxed().toList();
    boolean passed =
        mapped.equals(expected)
            && submitted.equals(List.of(0, 1, 4, 9, 16))
            && timedOut
            && callbacks.get() == futures;
    return Outcome.of(
        passed,
        "map results "
            + (mapped.equals(expected) ? "in input order" : "out of order: " + mapped)
            + "; result(timeout) "
            + (timedOut ? "raised a timeout" : "did not time out")
            + "; "
            + callbacks.get()
            + " callbacks for "
            + futures
            + " futures");
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new Futures().runAsProgram();
  }
}
