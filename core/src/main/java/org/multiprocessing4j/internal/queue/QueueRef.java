package org.multiprocessing4j.internal.queue;

import java.io.Serial;
import java.io.Serializable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Codec;

/**
 * The serialized form of every local queue: its name and kind. Reading it back attaches to the same
 * shared memory in the receiving process.
 *
 * @param name the queue's file name
 * @param kind which public type to rebuild
 * @param codec the queue's codec (it travels with every handle), or null for the built-in one
 */
record QueueRef(String name, Kind kind, @Nullable Codec<?> codec) implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /** The public type of a queue. */
  enum Kind {
    QUEUE,
    JOINABLE,
    SIMPLE
  }

  @Serial
  private Object readResolve() {
    QueueCore core = QueueCore.attach(name, codec);
    return switch (kind) {
      case QUEUE -> new LocalProcessQueue<>(core);
      case JOINABLE -> new LocalJoinableQueue<>(core, false);
      case SIMPLE -> new LocalSimpleQueue<>(core);
    };
  }
}
