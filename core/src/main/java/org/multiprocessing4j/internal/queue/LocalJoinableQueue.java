package org.multiprocessing4j.internal.queue;

import java.io.Serial;
import java.time.Duration;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * {@link JoinableQueue} over a shared-memory ring: the unfinished count is the ring's put count
 * minus a shared count of {@link #taskDone()} calls.
 *
 * @param <E> the type of the items
 */
public final class LocalJoinableQueue<E> extends LocalProcessQueue<E> implements JoinableQueue<E> {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Wraps a joinable queue's core.
   *
   * @param create whether the queue is new here, in which case its task table is made
   */
  LocalJoinableQueue(QueueCore core, boolean create) {
    super(core);
    core.trackTasks(create);
  }

  @Override
  QueueRef.Kind kind() {
    return QueueRef.Kind.JOINABLE;
  }

  @Override
  public void taskDone() {
    core.taskDone();
  }

  @Override
  public void join() throws InterruptedException {
    core.joinTasks(Waiting.FOREVER);
  }

  @Override
  public boolean join(Duration timeout) throws InterruptedException {
    return core.joinTasks(nanos(timeout));
  }
}
