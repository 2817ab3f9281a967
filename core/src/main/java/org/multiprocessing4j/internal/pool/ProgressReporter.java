package org.multiprocessing4j.internal.pool;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Progress;
import org.multiprocessing4j.ProgressListener;

/**
 * Counts the items of one map and calls its {@link ProgressListener} from the shared progress
 * thread.
 */
final class ProgressReporter {
  /*
   * Concurrency
   *
   * Pool threads (completions) add to `done`; the consumer thread sets `total` when the input ends;
   * any thread may call finish(). None of them calls the listener: they only touch atomics, so
   * counting never blocks a worker's result. The listener runs on one daemon thread shared by all
   * maps (a single-thread ScheduledThreadPoolExecutor): a periodic tick reports when the count
   * changed, and finish() queues the final report behind any tick, so a map's reports never overlap
   * and the final one is last (`finalSent` stops a tick still queued). Fields below "progress thread
   * only" are read and written by that thread alone.
   */

  private static final class Shared {
    static final ScheduledThreadPoolExecutor EXECUTOR = executor();

    private static ScheduledThreadPoolExecutor executor() {
      ScheduledThreadPoolExecutor e =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, ProgressListener.THREAD_NAME);
                t.setDaemon(true);
                return t;
              });
      e.setRemoveOnCancelPolicy(true);
      return e;
    }
  }

  private final ProgressListener listener;
  private final long startNanos = System.nanoTime();
  private final AtomicLong done = new AtomicLong();
  private volatile long total;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile @Nullable ScheduledFuture<?> tick;

  // Progress thread only.
  private long lastReported = -1;
  private boolean finalSent;
  private boolean failed;

  private ProgressReporter(ProgressListener listener, long total) {
    this.listener = listener;
    this.total = total;
  }

  /**
   * Starts reporting a map's progress.
   *
   * @param listener the listener
   * @param interval the least time between reports
   * @param total the number of items, or -1 if not known yet
   */
  static ProgressReporter start(ProgressListener listener, Duration interval, long total) {
    ProgressReporter r = new ProgressReporter(listener, total);
    long nanos = Math.max(1, MapIterator.saturatedNanos(interval));
    r.tick = Shared.EXECUTOR.scheduleWithFixedDelay(r::onTick, nanos, nanos, TimeUnit.NANOSECONDS);
    if (total == 0) {
      r.finish();
    }
    return r;
  }

  /** Counts {@code items} more items done. Any thread; never blocks. */
  void add(long items) {
    long d = done.addAndGet(items);
    long t = total;
    if (t >= 0 && d >= t) {
      finish();
    }
  }

  /** Sets the total once the input has been read to its end. */
  void total(long items) {
    total = items;
    if (done.get() >= items) {
      finish();
    }
  }

  /** Ends the reports: queues the final one. Idempotent; any thread; never blocks. */
  void finish() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ScheduledFuture<?> t = tick;
    if (t != null) {
      t.cancel(false);
    }
    Shared.EXECUTOR.execute(this::onFinish);
  }

  private void onTick() {
    if (finalSent || failed) {
      return;
    }
    long d = done.get();
    if (d != lastReported) {
      lastReported = d;
      report(d, false);
    }
  }

  private void onFinish() {
    if (finalSent) {
      return;
    }
    finalSent = true;
    if (!failed) {
      report(done.get(), true);
    }
  }

  private void report(long d, boolean last) {
    Progress p = new Progress(d, total, Duration.ofNanos(System.nanoTime() - startNanos), last);
    try {
      listener.onProgress(p);
    } catch (RuntimeException e) {
      failed = true;
      System.err.println(
          "Exception in progress listener " + listener + "; it is not called again for this map:");
      e.printStackTrace();
    }
  }
}
