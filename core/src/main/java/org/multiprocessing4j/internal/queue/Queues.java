package org.multiprocessing4j.internal.queue;

import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/** Creates the local queues for a context. */
public final class Queues {

  private Queues() {}

  private static long maxItems(int maxsize) {
    return Math.max(0, maxsize); // Python: maxsize <= 0 means no limit
  }

  /** Creates a {@link ProcessQueue}; {@code maxsize <= 0} means no limit on items. */
  public static <E> ProcessQueue<E> queue(SegmentOwner owner, int maxsize) {
    return new LocalProcessQueue<>(
        QueueCore.create(
            owner,
            maxItems(maxsize),
            QueueCore.DEFAULT_RING_BYTES,
            QueueCore.DEFAULT_OVERFLOW_BUDGET));
  }

  /** Creates a {@link JoinableQueue}; {@code maxsize <= 0} means no limit on items. */
  public static <E> JoinableQueue<E> joinableQueue(SegmentOwner owner, int maxsize) {
    return new LocalJoinableQueue<>(
        QueueCore.create(
            owner,
            maxItems(maxsize),
            QueueCore.DEFAULT_RING_BYTES,
            QueueCore.DEFAULT_OVERFLOW_BUDGET));
  }

  /** Creates a {@link SimpleQueue}. */
  public static <E extends @Nullable Object> SimpleQueue<E> simpleQueue(SegmentOwner owner) {
    return new LocalSimpleQueue<>(
        QueueCore.create(
            owner, 0, QueueCore.DEFAULT_RING_BYTES, QueueCore.DEFAULT_OVERFLOW_BUDGET));
  }
}
