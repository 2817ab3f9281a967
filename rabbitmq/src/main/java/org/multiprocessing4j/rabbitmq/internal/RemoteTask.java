package org.multiprocessing4j.rabbitmq.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
final class RemoteTask {
  /*
   * How a task reaches the worker
   *
   * The node hands its local pool a lambda, made by task(), that captures two byte arrays only: the
   * node's settings, Java-serialized once per node, and the user's task as it came from the
   * broker. The local pool sends such a lambda as its names and captured values (no object
   * stream), so the user's task is decoded once, in the worker, through the allow-list (a lambda
   * of simple values from its names, see LambdaForm; anything else by Java deserialization);
   * the worker reads the settings once and keeps them while the same bytes come. Before, a record
   * of the settings and the bytes went through an object stream of its own on both sides: a 1 KiB
   * task's hop from a local pool to its worker JVM and back took 180 to 230 µs that way, 110 to
   * 130 µs this way (2026-11-28, load 10, a throwaway probe alternating both builds). If this
   * package were not open to the core module, the local pool would Java-serialize the lambda
   * instead: slower, the same result.
   */

  private RemoteTask() {}

  /**
   * Allowed for pool tasks besides the context's list: a serializable lambda travels as one. The
   * lambda's capturing class and its captured values still pass the filter.
   */
  static final String SERIALIZED_LAMBDA = "java.lang.invoke.SerializedLambda";

  /** A worker's codecs by allow-list: building the filter costs more than a small task. */
  private static final java.util.Map<List<String>, Codec> CODECS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Only the settings record and the types of its fields are read back from a settings form. */
  private static final ObjectInputFilter SETTINGS_FILTER =
      ObjectInputFilter.Config.createFilter(
          "maxdepth=10;maxarray=100000;"
              + Settings.class.getName()
              + ";java.lang.*;java.util.*;!*");

  /**
   * The last settings form a worker read, what it read, and the codec of its allow-list: a worker
   * serves one node.
   */
  private static volatile @Nullable ReadSettings lastSettings;

  @SuppressWarnings("ArrayRecordComponent") // compared by content in settings()
  private record ReadSettings(byte[] form, Settings settings, Codec codec) {}

  private static Codec workerCodec(List<String> contextAllowed) {
    List<String> allowed = new ArrayList<>(contextAllowed);
    allowed.add(SERIALIZED_LAMBDA); // tasks are mostly lambdas; what they capture is still filtered
    return new Codec(allowed);
  }

  /**
   * Returns a node's settings as the bytes its tasks carry to its worker processes.
   *
   * @throws UncheckedIOException if they cannot be serialized (a bug: every field is serializable)
   */
  static byte[] settingsForm(Settings settings) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(512);
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(settings);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize a node's settings: " + e, e);
    }
    return b.toByteArray();
  }

  /**
   * Returns the task a node's local pool runs for one broker task.
   *
   * @param settingsForm the node's settings, from {@link #settingsForm}
   * @param callable the task: a {@link TaskCallable} in {@link LambdaForm}, or Java-serialized (a
   *     {@link TaskCallable} or a {@link Chunk})
   */
  static TaskCallable<byte[]> task(byte[] settingsForm, byte[] callable) {
    return () -> run(settingsForm, callable);
  }

  private static ReadSettings settings(byte[] form) throws IOException, ClassNotFoundException {
    ReadSettings last = lastSettings;
    if (last != null && (last.form() == form || Arrays.equals(last.form(), form))) {
      return last;
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(form))) {
      in.setObjectInputFilter(SETTINGS_FILTER);
      if (!(in.readObject() instanceof Settings s)) {
        throw new InvalidObjectException("a pool task's settings are not a Settings record");
      }
      ReadSettings read =
          new ReadSettings(form, s, CODECS.computeIfAbsent(s.allowed(), RemoteTask::workerCodec));
      lastSettings = read;
      return read;
    }
  }

  /** Runs in the worker process: decodes the user's task through the allow-list, runs it. */
  private static byte[] run(byte[] settingsForm, byte[] callable) throws Exception {
    ReadSettings read = settings(settingsForm);
    Settings settings = read.settings();
    Codec codec = read.codec();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    ClassLoader l = loader != null ? loader : RemoteTask.class.getClassLoader();
    Object task =
        LambdaForm.isLambdaForm(callable)
            ? LambdaForm.decode(callable, codec, l)
            : codec.decodeInWorker(Codec.SERIALIZED, callable, settings, l);
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
