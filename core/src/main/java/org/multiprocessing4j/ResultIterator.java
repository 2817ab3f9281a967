package org.multiprocessing4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The results of {@link PoolExecutor#map}, {@link PoolExecutor#imap} or {@link
 * PoolExecutor#imapUnordered}, delivered as they are computed: Python's {@code IMapIterator}.
 *
 * <p>The input is read lazily, by the thread that iterates: a bounded number of items are in flight
 * at any time (read from the input, sent to workers, or computed and waiting to be taken), so a map
 * over a very large or endless input runs in constant memory. When the consumer stops taking
 * results, the workers stop getting items.
 *
 * <h2>Failures</h2>
 *
 * <table>
 *   <caption>What {@code next()} does</caption>
 *   <tr><th>situation</th><th>{@link #next()}</th><th>{@link #next(Duration)}</th></tr>
 *   <tr><td>the next result is ready or arrives</td><td>returns it</td><td>returns it</td></tr>
 *   <tr><td>the function threw for that item, its worker died, the input iterator threw, or an item
 *       could not be serialized</td>
 *       <td>throws {@link CompletionException} with that failure as the cause, and the iterator
 *       ends</td>
 *       <td>throws {@link ExecutionException} with the cause, and the iterator ends</td></tr>
 *   <tr><td>the map's deadline passes (only {@link PoolExecutor#map(TaskFunction, Iterable, int,
 *       Duration)}, and the variants taking {@link MapOptions} with a {@linkplain
 *       MapOptions#timeout(Duration) timeout})</td>
 *       <td>throws {@link CompletionException} with a {@link TimeoutException} cause, and the
 *       iterator ends</td>
 *       <td>the same</td></tr>
 *   <tr><td>the per-call timeout passes</td><td>not applicable</td>
 *       <td>throws {@link TimeoutException}; the iterator stays usable</td></tr>
 *   <tr><td>the calling thread is interrupted</td>
 *       <td>throws {@link CompletionException} with an {@link InterruptedException} cause, with
 *       the interrupt status set; the iterator stays usable</td>
 *       <td>throws {@link InterruptedException}</td></tr>
 *   <tr><td>no more results</td><td colspan="2">throws {@link NoSuchElementException}</td></tr>
 * </table>
 *
 * The first failure ends the iteration, as an exception ends a Java stream: the items after it are
 * not delivered and the work still in flight is cancelled. A function that should go on past bad
 * items catches inside itself and returns a value that says so.
 *
 * <h2>Threads</h2>
 *
 * One thread at a time may call {@link #hasNext()} and {@code next}; {@link #close()} may be called
 * from any thread, and wakes a thread blocked in {@code next}.
 *
 * @param <R> the results' type
 */
public interface ResultIterator<R> extends Iterator<R>, AutoCloseable {

  /**
   * Returns whether another result (or failure) is to come. Does not wait for results, but reads
   * the input iterator's {@code hasNext()}, which may block if the input does.
   *
   * @return false once every result was taken, after a failure was thrown, or after {@link
   *     #close()}
   */
  @Override
  boolean hasNext();

  /**
   * Returns the next result, waiting for it as long as needed (or until the map's timeout, for
   * {@link PoolExecutor#map(TaskFunction, Iterable, int, Duration)}).
   *
   * @return the next result: in input order for {@code map} and {@code imap}, in completion order
   *     for {@code imapUnordered}
   * @throws CompletionException if the item failed, the map's timeout passed or the thread was
   *     interrupted; see the table above
   * @throws NoSuchElementException if there are no more results
   */
  @Override
  R next();

  /**
   * Returns the next result, waiting at most {@code timeout} for it, as Python's {@code
   * IMapIterator.next(timeout)}.
   *
   * @param timeout how long to wait; zero or negative means do not wait, only take a result that is
   *     ready
   * @return the next result
   * @throws TimeoutException if no result arrived in time; the iterator stays usable
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws ExecutionException if the item failed; its cause is the failure, and the iterator ends
   * @throws NoSuchElementException if there are no more results
   */
  R next(Duration timeout) throws InterruptedException, TimeoutException, ExecutionException;

  /**
   * Takes every remaining result into a list, waiting for them.
   *
   * @return the remaining results, in the iterator's order
   * @throws CompletionException as {@link #next()} does
   */
  default List<R> toList() {
    List<R> list = new ArrayList<>();
    while (hasNext()) {
      list.add(next());
    }
    return list;
  }

  /**
   * Stops the map: reads no more input, cancels the items not yet started and drops results not yet
   * taken. Items already running in a worker finish there and their results are dropped. A thread
   * blocked in {@code next} wakes up with a {@link CompletionException} whose cause is a {@link
   * java.util.concurrent.CancellationException}. Idempotent; never blocks.
   */
  @Override
  void close();
}
