package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.time.Duration;
import org.multiprocessing4j.JoinableQueue;

/**
 * {@link JoinableQueue} kept in the broker. The count of unfinished items is a second broker queue
 * of empty tokens: a put adds a token (before the item, so a consumer can never report an item done
 * before its token exists), {@link #taskDone()} removes one, and {@link #join()} waits until none
 * is left. So the count is shared by every process on every host, and a consumer killed before
 * {@code taskDone} does not block {@code join} for ever: its item is redelivered, and whoever
 * finishes it calls {@code taskDone}. A consumer that ends in order acknowledges what it took, and
 * an item it never marked done keeps {@code join} waiting.
 *
 * @param <E> the type of the items
 */
public final class RabbitJoinableQueue<E> extends RabbitProcessQueue<E>
    implements JoinableQueue<E> {
  @Serial private static final long serialVersionUID = 1L;

  RabbitJoinableQueue(BrokerQueue core) {
    super(core);
  }

  @Override
  QueueRef.Kind kind() {
    return QueueRef.Kind.JOINABLE;
  }

  @Override
  public void taskDone() {
    core.ensureOpen();
    core.ackOneHeld();
    if (!core.takeToken()) {
      throw new IllegalStateException(
          "taskDone() called more times than items were put in queue " + core.name);
    }
  }

  @Override
  public void join() throws InterruptedException {
    core.join(BrokerQueue.FOREVER);
  }

  @Override
  public boolean join(Duration timeout) throws InterruptedException {
    return core.join(nanos(timeout));
  }
}
