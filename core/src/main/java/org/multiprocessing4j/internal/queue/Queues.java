package org.multiprocessing4j.internal.queue;

import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueOptions;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/** Creates the local queues for a context. */
public final class Queues {

  private Queues() {}

  private static int maxItems(int maxsize) {
    return Math.max(0, maxsize); // Python: maxsize <= 0 means no limit
  }

  /** A queue without options: {@link QueueOptions#defaults()}, the one source of defaults. */
  private static QueueCore defaultCore(SegmentOwner owner, int maxsize) {
    return core(owner, QueueOptions.builder().maxsize(maxItems(maxsize)).build());
  }

  /**
   * Returns the ring's overflow budget for {@code options}: what the memory budget leaves beyond
   * the ring. 0 there means no limit, so a budget of exactly the ring gives 1 (one large item at a
   * time).
   */
  static long overflowBudget(QueueOptions options) {
    long budget = options.memoryBudgetBytes();
    return budget == QueueOptions.UNLIMITED ? 0 : Math.max(1, budget - options.ringBytes());
  }

  private static QueueCore core(SegmentOwner owner, QueueOptions options) {
    long overflowBudget = overflowBudget(options);
    return QueueCore.create(
        owner,
        options.maxsize(),
        options.ringBytes(),
        overflowBudget,
        options.codec().orElse(null));
  }

  /** Creates a {@link ProcessQueue}; {@code maxsize <= 0} means no limit on items. */
  public static <E> ProcessQueue<E> queue(SegmentOwner owner, int maxsize) {
    return new LocalProcessQueue<>(defaultCore(owner, maxsize));
  }

  /** Creates a {@link ProcessQueue} with options. */
  public static <E> ProcessQueue<E> queue(SegmentOwner owner, QueueOptions options) {
    return new LocalProcessQueue<>(core(owner, options));
  }

  /** Creates a {@link JoinableQueue}; {@code maxsize <= 0} means no limit on items. */
  public static <E> JoinableQueue<E> joinableQueue(SegmentOwner owner, int maxsize) {
    return new LocalJoinableQueue<>(defaultCore(owner, maxsize), true);
  }

  /** Creates a {@link JoinableQueue} with options. */
  public static <E> JoinableQueue<E> joinableQueue(SegmentOwner owner, QueueOptions options) {
    return new LocalJoinableQueue<>(core(owner, options), true);
  }

  /** Creates a {@link SimpleQueue}. */
  public static <E extends @Nullable Object> SimpleQueue<E> simpleQueue(SegmentOwner owner) {
    return new LocalSimpleQueue<>(defaultCore(owner, 0));
  }

  /**
   * Creates a {@link SimpleQueue} with options.
   *
   * @throws IllegalArgumentException if the options set a maxsize
   */
  public static <E extends @Nullable Object> SimpleQueue<E> simpleQueue(
      SegmentOwner owner, QueueOptions options) {
    if (options.maxsize() != 0) {
      throw new IllegalArgumentException(
          "a SimpleQueue has no maxsize (as in Python); got "
              + options.maxsize()
              + ". Use a ProcessQueue for a bounded queue, or bound it by memoryBudgetBytes.");
    }
    return new LocalSimpleQueue<>(core(owner, options));
  }
}
