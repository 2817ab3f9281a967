package org.multiprocessing4j.internal.pool;

import java.io.IOException;
import java.io.Serial;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.UnserializableValueException;
import org.multiprocessing4j.internal.codec.ThrowableInfo;

/**
 * The target of every pool worker process: connects back to the pool, runs the initializer, then
 * runs the tasks the pool sends, one at a time, in order, and sends each result back.
 *
 * <h2>Threads (in the worker JVM)</h2>
 *
 * {@code main} runs the initializer and the tasks, and writes results. {@code mp4j-pool-reader}
 * (daemon) reads frames into the local queue and handles cancellations. Writes to the socket are
 * serialized by the {@link Out} monitor.
 *
 * <h2>Failure</h2>
 *
 * A task's exception is its result (FAILED). A {@link VirtualMachineError} other than {@link
 * StackOverflowError} (an {@code OutOfMemoryError}) leaves the JVM in doubt, so it is rethrown: the
 * worker ends with exit code 1 and the error as its failure, which the pool reports as the death of
 * the worker while running that task. End of stream from the pool (it stopped the worker, or died)
 * ends the loop; the JVM then exits, as every child does when its parent dies.
 */
public final class WorkerMain implements ProcessTarget {
  @Serial private static final long serialVersionUID = 1L;

  /** How many deserialized map functions a worker keeps. */
  private static final int FUNCTION_CACHE = 16;

  private final String socketPath;
  private final byte[] token;
  private final byte @Nullable [] initializer;

  WorkerMain(String socketPath, byte[] token, byte @Nullable [] initializer) {
    this.socketPath = socketPath;
    this.token = token.clone();
    this.initializer = initializer == null ? null : initializer.clone();
  }

  /** Serializes the socket's writers. */
  private static final class Out {
    private final SocketChannel ch;

    Out(SocketChannel ch) {
      this.ch = ch;
    }

    synchronized void send(ByteSink frames) throws IOException {
      Wire.flush(frames, ch);
    }
  }

  /** A task received, waiting to run. */
  private static final class Job {
    final long id;
    final byte kind;
    final byte @Nullable [] call; // CALL: the serialized callable
    final long fnId; // CHUNK
    final byte @Nullable [] fnBytes; // CHUNK: the function, if known
    final @Nullable ByteSource items; // CHUNK: positioned at the item list
    boolean cancelled; // guarded by Jobs.lock

    Job(
        long id,
        byte kind,
        boolean cancelled,
        byte @Nullable [] call,
        long fnId,
        byte @Nullable [] fnBytes,
        @Nullable ByteSource items) {
      this.id = id;
      this.kind = kind;
      this.cancelled = cancelled;
      this.call = call;
      this.fnId = fnId;
      this.fnBytes = fnBytes;
      this.items = items;
    }
  }

  /** The local queue between the reader and main threads, and which task is running. */
  private static final class Jobs {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>(); // guarded by lock
    private long running = -1; // guarded by lock
    private boolean ended; // guarded by lock

    void put(Job j) {
      lock.lock();
      try {
        queue.addLast(j);
        nonEmpty.signal();
      } finally {
        lock.unlock();
      }
    }

    void end() {
      lock.lock();
      try {
        ended = true;
        nonEmpty.signal();
      } finally {
        lock.unlock();
      }
    }

    /** Returns the next job, marking it running, or null at end of stream. */
    @Nullable Job take() throws InterruptedException {
      lock.lock();
      try {
        running = -1;
        while (queue.isEmpty() && !ended) {
          nonEmpty.await();
        }
        Job j = queue.pollFirst();
        if (j != null && !j.cancelled) {
          running = j.id;
        }
        return j;
      } finally {
        lock.unlock();
      }
    }

    /**
     * Cancels a job: a queued one is marked so that it is skipped. Returns true if it is running
     * and may be interrupted: only the pool can stop it, by killing this JVM.
     */
    boolean cancel(long id, boolean mayInterrupt) {
      lock.lock();
      try {
        for (Job j : queue) {
          if (j.id == id) {
            j.cancelled = true;
            return false;
          }
        }
        return mayInterrupt && running == id;
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public void run() throws Exception {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(Path.of(socketPath)));
    Out out = new Out(ch);
    ByteSink sink = new ByteSink(64 * 1024);
    int at = Wire.begin(sink, Wire.HELLO);
    sink.putBlock(token);
    sink.putLong(ProcessHandle.current().pid());
    Wire.end(sink, at);
    out.send(sink);

    ClassLoader loader = ClassLoader.getSystemClassLoader();
    if (initializer != null) {
      try {
        ((ProcessTarget) ValueCodec.deserialize(initializer, loader)).run();
      } catch (Throwable t) {
        at = Wire.begin(sink, Wire.INIT_FAILED);
        ValueCodec.writeThrowable(sink, ThrowableInfo.of(t));
        Wire.end(sink, at);
        out.send(sink);
        if (isFatal(t)) {
          throw (Error) t;
        }
        return;
      }
    }
    at = Wire.begin(sink, Wire.READY);
    Wire.end(sink, at);
    out.send(sink);

    Jobs jobs = new Jobs();
    Thread reader = new Thread(() -> readLoop(ch, jobs, out), "mp4j-pool-reader");
    reader.setDaemon(true);
    reader.start();

    Map<Long, Object> functions =
        new LinkedHashMap<>(32, 0.75f, true) {
          @Serial private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, Object> eldest) {
            return size() > FUNCTION_CACHE;
          }
        };
    TaskCodec.Decoder tasks = new TaskCodec.Decoder(loader);
    while (true) {
      Job j = jobs.take();
      if (j == null) {
        return;
      }
      execute(j, sink, tasks, loader, functions);
      out.send(sink);
      Thread.interrupted(); // a task that interrupted itself must not disturb the next take()
    }
  }

  static boolean isFatal(Throwable t) {
    return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
  }

  private static void readLoop(SocketChannel ch, Jobs jobs, Out out) {
    Wire.Reader r = new Wire.Reader(ch);
    Map<Long, byte[]> fnBytes = new HashMap<>();
    ByteSink reply = new ByteSink(64);
    try {
      while (true) {
        ByteSource b = r.next();
        switch (r.type()) {
          case Wire.TASK -> {
            long id = b.getLong();
            byte kind = b.getByte();
            boolean cancelled = b.getBoolean();
            if (kind == Wire.KIND_CALL) {
              jobs.put(new Job(id, kind, cancelled, b.getBlock(), 0, null, null));
            } else {
              long fnId = b.getLong();
              if (b.getBoolean()) {
                fnBytes.put(fnId, b.getBlock());
              }
              jobs.put(new Job(id, kind, cancelled, null, fnId, fnBytes.get(fnId), b));
            }
          }
          case Wire.CANCEL -> {
            long id = b.getLong();
            if (jobs.cancel(id, b.getBoolean())) {
              int at = Wire.begin(reply, Wire.RUNNING);
              reply.putLong(id);
              Wire.end(reply, at);
              out.send(reply);
            }
          }
          case Wire.FORGET -> fnBytes.remove(b.getLong());
          default -> {
            // Unknown frame from a newer pool: ignore it.
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // End of stream: the pool stopped this worker, or died.
    } finally {
      jobs.end();
    }
  }

  /** Runs a job and writes its RESULT frame into {@code sink}. Rethrows fatal errors. */
  private static void execute(
      Job j,
      ByteSink sink,
      TaskCodec.Decoder tasks,
      ClassLoader loader,
      Map<Long, Object> functions) {
    int at = Wire.begin(sink, Wire.RESULT);
    sink.putLong(j.id);
    if (j.cancelled) {
      sink.putByte(Wire.SKIPPED);
      sink.putLong(0);
      Wire.end(sink, at);
      return;
    }
    long start = System.nanoTime();
    int statusAt = sink.size();
    try {
      if (j.kind == Wire.KIND_CALL) {
        Callable<?> task = (Callable<?>) tasks.decode(requireNonNull(j.call));
        Object value = task.call();
        long ran = System.nanoTime() - start;
        sink.putByte(Wire.OK);
        sink.putLong(ran);
        ValueCodec.write(sink, value, "the result of the task (" + className(value) + ")");
      } else {
        runChunk(j, sink, loader, functions, start);
      }
    } catch (UnserializableValueException e) {
      truncate(sink, statusAt);
      sink.putByte(Wire.UNSERIALIZABLE);
      sink.putLong(System.nanoTime() - start);
      sink.putString(String.valueOf(e.getMessage()));
      sink.putString(e.offendingClass());
      Throwable cause = e.getCause();
      ValueCodec.writeThrowable(sink, ThrowableInfo.of(cause == null ? e : cause));
    } catch (Throwable t) {
      if (isFatal(t)) {
        truncate(sink, at);
        throw (Error) t;
      }
      truncate(sink, statusAt);
      sink.putByte(Wire.FAILED);
      sink.putLong(System.nanoTime() - start);
      ValueCodec.writeThrowable(sink, ThrowableInfo.of(t));
    }
    Wire.end(sink, at);
  }

  private static void runChunk(
      Job j, ByteSink sink, ClassLoader loader, Map<Long, Object> functions, long start)
      throws IOException {
    Object fn = functions.get(j.fnId);
    if (fn == null) {
      byte[] bytes = j.fnBytes;
      if (bytes == null) {
        throw new IOException("the pool sent no function " + j.fnId + " for this map");
      }
      fn = ValueCodec.deserialize(bytes, loader);
      functions.put(j.fnId, fn);
    }
    @SuppressWarnings("unchecked")
    TaskFunction<Object, Object> f = (TaskFunction<Object, Object>) fn;
    List<@Nullable Object> items = ValueCodec.readList(requireNonNull(j.items), loader);
    int n = items.size();
    @Nullable Object[] results = new Object[n];
    int done = 0;
    Throwable failure = null;
    try {
      for (; done < n; done++) {
        results[done] = f.apply(items.get(done));
      }
    } catch (Throwable t) {
      if (isFatal(t)) {
        throw (Error) t;
      }
      failure = t;
    }
    long ran = System.nanoTime() - start;
    sink.putByte(failure == null ? Wire.OK : Wire.FAILED);
    sink.putLong(ran);
    List<@Nullable Object> list = Arrays.asList(results);
    if (done < n) {
      list = list.subList(0, done);
    }
    ValueCodec.writeList(sink, list, "a result of the map");
    if (failure != null) {
      ValueCodec.writeThrowable(sink, ThrowableInfo.of(failure));
    }
  }

  private static void truncate(ByteSink sink, int size) {
    sink.truncate(size);
  }

  private static String className(@Nullable Object v) {
    return v == null ? "null" : v.getClass().getName();
  }

  private static <T> T requireNonNull(@Nullable T v) throws IOException {
    if (v == null) {
      throw new IOException("malformed task frame");
    }
    return v;
  }
}
