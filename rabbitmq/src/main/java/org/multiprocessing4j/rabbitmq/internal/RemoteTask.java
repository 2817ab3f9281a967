package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.RemoteProcessException;
import org.multiprocessing4j.TaskCallable;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.UndecodableValueException;

/**
 * What a worker node hands to its local pool: a task's bytes as they came from the broker, so that
 * the user's object is deserialized in the worker process (through the allow-list, with the user's
 * classes) and never in the node; the result goes back as the broker's encoding, tag first, so that
 * the node forwards it without reading it.
 *
 * @param settings this node's settings (travel only to the node's own worker processes)
 * @param callable the Java-serialized task: a {@link TaskCallable} or a {@link Chunk}
 */
@SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
record RemoteTask(Settings settings, byte[] callable) implements TaskCallable<byte[]> {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Allowed for pool tasks besides the context's list: a serializable lambda travels as one. The
   * lambda's capturing class and its captured values still pass the filter.
   */
  static final String SERIALIZED_LAMBDA = "java.lang.invoke.SerializedLambda";

  /** A worker's codecs by allow-list: building the filter costs more than a small task. */
  private static final java.util.Map<List<String>, Codec> CODECS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static Codec workerCodec(List<String> contextAllowed) {
    List<String> allowed = new ArrayList<>(contextAllowed);
    allowed.add(SERIALIZED_LAMBDA); // tasks are mostly lambdas; what they capture is still filtered
    return new Codec(allowed);
  }

  @Override
  public byte[] call() throws Exception {
    Codec codec = CODECS.computeIfAbsent(settings.allowed(), RemoteTask::workerCodec);
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Object task =
        codec.decodeInWorker(
            Codec.SERIALIZED,
            callable,
            settings,
            loader != null ? loader : RemoteTask.class.getClassLoader());
    if (!(task instanceof Callable<?> c)) {
      throw new UndecodableValueException(
          "a pool task decoded to "
              + (task == null ? "null" : task.getClass().getName())
              + ", not a callable",
          new IllegalArgumentException());
    }
    Codec.Encoded e = codec.encode(c.call());
    byte[] out = new byte[e.bytes().length + 1];
    out[0] = (byte) e.tag();
    System.arraycopy(e.bytes(), 0, out, 1, e.bytes().length);
    return out;
  }

  /**
   * A chunk of a map: the function and its items, run in order until one fails.
   *
   * @param fn the map's function
   * @param items the chunk's items
   */
  record Chunk(TaskFunction<Object, Object> fn, List<@Nullable Object> items)
      implements TaskCallable<ChunkResult> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public ChunkResult call() {
      long start = System.nanoTime();
      List<@Nullable Object> results = new ArrayList<>(items.size());
      for (Object item : items) {
        try {
          results.add(fn.apply(item));
        } catch (Throwable t) { // an item's failure is the map's, reported at that item
          return new ChunkResult(results, remote(t), System.nanoTime() - start);
        }
      }
      return new ChunkResult(results, null, System.nanoTime() - start);
    }
  }

  /**
   * What a chunk produced, as {@link org.multiprocessing4j.internal.pool.ChunkOutcome} but
   * serializable.
   *
   * @param results the results of the first items
   * @param failure the failure of the next item, or null
   * @param runNanos the chunk's run time
   */
  record ChunkResult(
      List<@Nullable Object> results, @Nullable RemoteProcessException failure, long runNanos)
      implements java.io.Serializable {
    @Serial private static final long serialVersionUID = 1L;
  }

  /** The exception as the local pool reports one: type, message and frames, without its class. */
  static RemoteProcessException remote(Throwable t) {
    if (t instanceof RemoteProcessException r) {
      return r;
    }
    Throwable cause = t.getCause();
    return new RemoteProcessException(
        t.getClass().getName(),
        t.getMessage(),
        t.getStackTrace(),
        cause == null || cause == t ? null : remote(cause));
  }
}
