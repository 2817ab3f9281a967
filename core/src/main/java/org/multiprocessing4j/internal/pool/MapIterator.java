package org.multiprocessing4j.internal.pool;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.RandomAccess;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProgressListener;
import org.multiprocessing4j.ResultIterator;
import org.multiprocessing4j.UnserializableValueException;

/**
 * The lazy, bounded iterator behind map, imap and imapUnordered of both pools.
 *
 * <pre>
 *   consumer thread                                 pool threads
 *   ---------------                                 ------------
 *   next() ── topUp(): read input items, make chunks,
 *             runner.run(chunk) ──────────────────▶ workers run chunks
 *             (while fewer than WINDOW slots)
 *          ── wait for the head slot (ordered)  ◀── onComplete(slot): mark done, signal
 *             or any slot (unordered)
 *          ── deliver: results of the chunk, one by one; then its failure, if any
 * </pre>
 *
 * <h2>Design</h2>
 *
 * The input is read only by the consumer thread (and the thread that created the map, for the first
 * window), never by a pool thread: a slow or blocking input iterator cannot stall the pool. At most
 * {@code window} chunks are outstanding (submitted and not yet delivered), so memory is bounded by
 * {@code window × chunk size} items whatever the input's length. A slot leaves the window only when
 * its results are delivered, so an ordered map whose head is slow stops reading input instead of
 * buffering without bound.
 *
 * <p>Automatic chunk size: chunks start with one item and grow (at most eightfold per delivered
 * chunk) towards {@link #TARGET_CHUNK_NANOS} of work per chunk, measured by the workers; for a
 * collection of known size, a chunk holds at most a quarter of each worker's share, so that the
 * work stays balanced at the end. The largest, {@link #MAX_AUTO_CHUNK}, is what a trivial function
 * reaches: at 32,768 items the CPU per mapped item (parent and workers) was about a third less than
 * at 8,192 (docs/benchmarks.md, "Map throughput against issue 5's goal").
 *
 * <h2>Concurrency</h2>
 *
 * {@code lock} guards {@code slots}, {@code completed} and {@code closed}; completions signal
 * {@code changed}. Everything else belongs to the consumer thread. {@link #close()} may come from
 * any thread; a chunk submitted by the consumer after a concurrent close is cancelled at once.
 * Progress is counted outside the lock, in the completing thread, by a {@link ProgressReporter}
 * whose listener runs on its own thread (never in a pool thread).
 */
public final class MapIterator<R> implements ResultIterator<R> {

  /** How long an automatically sized chunk should run in its worker. */
  static final long TARGET_CHUNK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** The largest automatic chunk. */
  static final int MAX_AUTO_CHUNK = 32_768;

  /** One submitted chunk, or a failure in the input at its position. */
  private static final class Slot {
    final CompletableFuture<ChunkOutcome> future;
    final int items;
    boolean done; // guarded by lock

    Slot(CompletableFuture<ChunkOutcome> future, int items) {
      this.future = future;
      this.items = items;
    }
  }

  private final ChunkRunner runner;
  private final Iterator<?> input;
  private final boolean ordered;
  private final int fixedChunk;
  private final int maxAutoChunk;
  private final int window;
  private final long deadlineNanoTime;
  private final boolean hasDeadline;
  private final @Nullable Duration deadlineTimeout;
  private final @Nullable ProgressReporter progress;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Slot> slots = new ArrayDeque<>(); // guarded by lock; input order
  private final ArrayDeque<Slot> completed = new ArrayDeque<>(); // guarded by lock; unordered only
  private boolean closed; // guarded by lock

  // Consumer thread only.
  private List<@Nullable Object> ready = List.of(); // the delivered chunk's results
  private int readyNext; // the index in ready of the next result to return
  private @Nullable Throwable failure;
  private boolean inputDone;
  private boolean finished;
  private int autoChunk = 1;
  private long itemsRead;

  /**
   * Creates the iterator and starts the first window of work.
   *
   * @param runner runs chunks with the map's function
   * @param items the input
   * @param workers the pool's worker count, for the window and chunk sizes
   * @param ordered true for input order, false for completion order
   * @param chunksize items per chunk, 0 for automatic
   * @param timeout the map's deadline from now, or null for none
   * @param listener called with the map's progress, or null for none
   * @param progressInterval the least time between two progress reports
   */
  public MapIterator(
      ChunkRunner runner,
      Iterable<?> items,
      int workers,
      boolean ordered,
      int chunksize,
      @Nullable Duration timeout,
      @Nullable ProgressListener listener,
      Duration progressInterval) {
    if (chunksize < 0) {
      throw new IllegalArgumentException(
          "chunksize must be 0 (automatic) or positive: " + chunksize);
    }
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.runner = runner;
    this.input = items.iterator();
    this.ordered = ordered;
    this.fixedChunk = chunksize;
    this.window = 2 * workers + 2;
    if (items instanceof Collection<?> c) {
      this.maxAutoChunk =
          (int) Math.max(1, Math.min(MAX_AUTO_CHUNK, ceilDiv(c.size(), 4L * workers)));
    } else {
      this.maxAutoChunk = MAX_AUTO_CHUNK;
    }
    this.deadlineTimeout = timeout;
    this.hasDeadline = timeout != null;
    this.deadlineNanoTime = timeout == null ? 0 : System.nanoTime() + saturatedNanos(timeout);
    this.progress =
        listener == null
            ? null
            : ProgressReporter.start(
                listener, progressInterval, items instanceof Collection<?> c ? c.size() : -1);
    topUp();
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  // ------------------------------------------------------------------------------ public methods

  @Override
  public boolean hasNext() {
    if (readyNext < ready.size() || failure != null) {
      return true;
    }
    if (finished) {
      return false;
    }
    topUp();
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (!slots.isEmpty()) {
        return true;
      }
    } finally {
      lock.unlock();
    }
    if (inputDone) {
      finish();
      return false;
    }
    return true;
  }

  @Override
  @SuppressWarnings({"unchecked", "NullAway"}) // R may be a nullable type: results may be null
  public R next() {
    try {
      return (R) take(-1);
    } catch (TimeoutException e) {
      throw new CompletionException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (CancellationException e) {
      throw new CompletionException(e);
    }
  }

  @Override
  @SuppressWarnings({"unchecked", "NullAway"}) // R may be a nullable type: results may be null
  public R next(Duration timeout)
      throws InterruptedException, TimeoutException, ExecutionException {
    long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
    return (R) take(nanos);
  }

  @Override
  public void close() {
    List<Slot> cancel;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cancel = new ArrayList<>(slots);
      slots.clear();
      completed.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Slot s : cancel) {
      s.future.cancel(false);
    }
    runner.close();
    ProgressReporter p = progress;
    if (p != null) {
      p.finish();
    }
  }

  // ------------------------------------------------------------------------------------ internals

  /**
   * Returns the next result.
   *
   * @param timeoutNanos per-call timeout; negative for none
   */
  private @Nullable Object take(long timeoutNanos)
      throws InterruptedException, TimeoutException, ExecutionException {
    if (readyNext < ready.size()) {
      return ready.get(readyNext++); // the common case, without the clock (150 ns on some VMs)
    }
    long start = System.nanoTime();
    while (true) {
      if (readyNext < ready.size()) {
        return ready.get(readyNext++);
      }
      Throwable f = failure;
      if (f != null) {
        failure = null;
        finish();
        throw new ExecutionException(f);
      }
      if (finished) {
        throw new NoSuchElementException("no more results");
      }
      topUp();
      Slot s;
      lock.lock();
      try {
        while (true) {
          if (closed) {
            finished = true;
            throw new CancellationException("the map was closed");
          }
          s = nextDone();
          if (s != null) {
            break;
          }
          if (slots.isEmpty() && inputDone) {
            break;
          }
          long wait = waitNanos(start, timeoutNanos);
          if (wait <= 0) {
            break;
          }
          changed.awaitNanos(wait);
          if (!inputDone && slots.size() < window) {
            break; // a slot was delivered elsewhere or space opened: read more input first
          }
        }
      } finally {
        lock.unlock();
      }
      if (s != null) {
        deliver(s);
        continue;
      }
      if (slotsEmpty() && inputDone) {
        finish();
        throw new NoSuchElementException("no more results");
      }
      if (waitNanos(start, timeoutNanos) <= 0) {
        throw timeout(timeoutNanos);
      }
    }
  }

  private boolean slotsEmpty() {
    lock.lock();
    try {
      return slots.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Call only when holding lock. Removes and returns the next slot to deliver, if one is done. */
  private @Nullable Slot nextDone() {
    // assert lock.isHeldByCurrentThread();
    if (ordered) {
      Slot head = slots.peekFirst();
      if (head != null && head.done) {
        return slots.pollFirst();
      }
      return null;
    }
    Slot s = completed.pollFirst();
    if (s != null) {
      slots.remove(s);
    }
    return s;
  }

  /** Returns how long to wait now: the least of the per-call timeout and the map's deadline. */
  private long waitNanos(long start, long timeoutNanos) {
    long now = System.nanoTime();
    long wait = Long.MAX_VALUE;
    if (timeoutNanos >= 0) {
      wait = timeoutNanos - (now - start);
    }
    if (hasDeadline) {
      wait = Math.min(wait, deadlineNanoTime - now);
    }
    return wait;
  }

  private TimeoutException timeout(long timeoutNanos) {
    if (hasDeadline && deadlineNanoTime - System.nanoTime() <= 0) {
      close();
      return new TimeoutException(
          "the next result of the map was not ready within its timeout of "
              + deadlineTimeout
              + " from the map call; the map was cancelled");
    }
    return new TimeoutException(
        "the next result was not ready within "
            + Duration.ofNanos(Math.max(0, timeoutNanos))
            + "; the map goes on");
  }

  private void deliver(Slot s) {
    ChunkOutcome o;
    try {
      o = s.future.join();
    } catch (CancellationException e) {
      failure = e;
      return;
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      failure = cause == null ? e : cause;
      return;
    }
    List<@Nullable Object> results = o.results(); // kept until the next chunk is delivered
    ready = results instanceof RandomAccess ? results : new ArrayList<>(results); // get(i) is O(1)
    readyNext = 0;
    failure = o.failure();
    adapt(o.runNanos(), o.results().size() + (o.failure() == null ? 0 : 1));
  }

  private void adapt(long runNanos, int items) {
    if (fixedChunk > 0 || items <= 0 || runNanos <= 0) {
      return;
    }
    long perItem = Math.max(1, runNanos / items);
    long want = Math.max(1, TARGET_CHUNK_NANOS / perItem);
    want = Math.min(want, (long) autoChunk * 8);
    want = Math.min(want, maxAutoChunk);
    autoChunk = (int) Math.max(1, want);
  }

  /** Ends the iteration: cancels what is outstanding and releases the function. */
  private void finish() {
    finished = true;
    close();
  }

  /** Reads input and submits chunks until the window is full or the input ends. */
  private void topUp() {
    while (!inputDone) {
      lock.lock();
      try {
        if (closed || slots.size() >= window) {
          return;
        }
      } finally {
        lock.unlock();
      }
      int n = fixedChunk > 0 ? fixedChunk : autoChunk;
      // A large fixed chunk grows as its input comes: the input may be shorter.
      @Nullable Object[] items = new Object[Math.min(n, MAX_AUTO_CHUNK)];
      int count = 0;
      RuntimeException inputFailure = null;
      try {
        while (count < n) {
          if (!input.hasNext()) {
            inputDone = true;
            break;
          }
          if (count == items.length) {
            items = Arrays.copyOf(items, (int) Math.min(n, 2L * count));
          }
          items[count++] = input.next();
        }
      } catch (RuntimeException e) {
        inputDone = true;
        inputFailure = e;
      }
      itemsRead += count;
      ProgressReporter p = progress;
      if (inputDone && p != null) {
        p.total(itemsRead);
      }
      if (count > 0) {
        if (count < items.length) {
          items = Arrays.copyOf(items, count);
        }
        submit(Arrays.asList(items));
      }
      if (inputFailure != null) {
        addSlot(CompletableFuture.failedFuture(inputFailure), 0);
      }
    }
  }

  private void submit(List<@Nullable Object> items) {
    try {
      addSlot(runner.run(items), items.size());
    } catch (UnserializableValueException e) {
      if (items.size() == 1) {
        addSlot(CompletableFuture.failedFuture(e), 1);
      } else {
        for (Object item : items) { // find which item it was; the good ones still run
          List<@Nullable Object> one = new ArrayList<>(1);
          one.add(item);
          submit(one);
        }
      }
    } catch (RejectedExecutionException e) {
      inputDone = true;
      addSlot(CompletableFuture.failedFuture(e), items.size());
    }
  }

  private void addSlot(CompletableFuture<ChunkOutcome> future, int items) {
    Slot s = new Slot(future, items);
    lock.lock();
    try {
      if (closed) {
        future.cancel(false);
        return;
      }
      slots.addLast(s);
    } finally {
      lock.unlock();
    }
    var unused = future.whenComplete((r, t) -> onComplete(s));
  }

  private void onComplete(Slot s) {
    lock.lock();
    try {
      if (s.done || closed) {
        return;
      }
      ProgressReporter p = progress;
      if (p != null) {
        p.add(s.items); // before the consumer can see the slot, so a final report counts it
      }
      s.done = true;
      if (!ordered) {
        completed.addLast(s);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
