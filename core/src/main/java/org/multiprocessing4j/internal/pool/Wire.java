package org.multiprocessing4j.internal.pool;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The messages between a pool and its workers, over one UNIX-domain socket per worker.
 *
 * <p>Frame: {@code [int length][byte type][length - 1 bytes of body]}, big-endian. Bodies:
 *
 * <pre>
 * parent → worker
 *   TASK      long id, byte kind, byte cancelled,
 *             CALL:  block(serialized TaskCallable)
 *             CHUNK: long fnId, bool hasFn, [block(serialized function)], value list of items
 *   CANCEL    long id, bool mayInterrupt
 *   FORGET    long fnId                      (a map ended; drop its function)
 * worker → parent
 *   HELLO     block(token), long pid          (first frame; the token proves the worker is ours)
 *   READY                                    (the initializer ran; send tasks)
 *   INIT_FAILED  throwable                   (the initializer threw)
 *   RESULT    long id, byte status, long runNanos,
 *             OK:             value (CALL) or value list (CHUNK)
 *             FAILED:         [CHUNK: value list of the results before the failure] throwable
 *             UNSERIALIZABLE: string message, string class, throwable
 *             SKIPPED:        nothing (the task was cancelled before it started)
 *   RUNNING   long id                        (asked to cancel with interrupt a task it runs)
 * </pre>
 *
 * A worker runs tasks one at a time in the order they arrive and writes each result before it
 * starts the next task; so when a worker dies, the oldest task the parent has no result for is the
 * one it was running, and every later one never started.
 */
final class Wire {

  static final byte TASK = 1;
  static final byte CANCEL = 2;
  static final byte FORGET = 3;

  static final byte HELLO = 10;
  static final byte READY = 11;
  static final byte INIT_FAILED = 12;
  static final byte RESULT = 13;
  static final byte RUNNING = 14;

  static final byte KIND_CALL = 1;
  static final byte KIND_CHUNK = 2;

  static final byte OK = 0;
  static final byte FAILED = 1;
  static final byte UNSERIALIZABLE = 2;
  static final byte SKIPPED = 3;

  /** Largest frame accepted, to fail fast on garbage rather than allocate it. */
  static final int MAX_FRAME = 1 << 30;

  private Wire() {}

  /** Starts a frame in {@code sink}: reserves the length, writes the type. */
  static int begin(ByteSink sink, byte type) {
    int at = sink.size();
    sink.putInt(0);
    sink.putByte(type);
    return at;
  }

  /** Ends the frame begun at {@code at}: fills in its length. */
  static void end(ByteSink sink, int at) {
    sink.setInt(at, sink.size() - at - 4);
  }

  /** Writes everything in {@code sink} to the channel and empties it. */
  static void flush(ByteSink sink, WritableByteChannel ch) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(sink.array(), 0, sink.size());
    while (b.hasRemaining()) {
      ch.write(b);
    }
    sink.reset();
  }

  /** Reads frames from a channel through a buffer; used by one thread. */
  static final class Reader {
    private final ReadableByteChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    private byte type;

    Reader(ReadableByteChannel ch) {
      this.ch = ch;
      buf.flip();
    }

    /** Returns the type of the frame last read by {@link #next()}. */
    byte type() {
      return type;
    }

    /**
     * Returns whether a whole frame is already buffered, so that {@link #next()} will not block: a
     * reader may put off work it would do once per batch (dispatching more tasks) until it has
     * handled every frame that one read brought.
     */
    boolean hasFrame() {
      int n = buf.remaining();
      return n >= 4 && n - 4 >= buf.getInt(buf.position());
    }

    /**
     * Reads the next frame and returns its body.
     *
     * @throws EOFException at end of stream (the other side closed or died)
     */
    ByteSource next() throws IOException {
      fill(5);
      int length = buf.getInt();
      if (length < 1 || length > MAX_FRAME) {
        throw new IOException("corrupt frame length " + length);
      }
      type = buf.get();
      int body = length - 1;
      if (body <= buf.capacity()) {
        fill(body);
        byte[] bytes = new byte[body];
        buf.get(bytes);
        return new ByteSource(bytes);
      }
      byte[] bytes = new byte[body];
      int have = buf.remaining();
      buf.get(bytes, 0, have);
      ByteBuffer rest = ByteBuffer.wrap(bytes, have, body - have);
      while (rest.hasRemaining()) {
        if (ch.read(rest) < 0) {
          throw new EOFException("end of stream inside a frame");
        }
      }
      return new ByteSource(bytes);
    }

    private void fill(int n) throws IOException {
      if (buf.remaining() >= n) {
        return;
      }
      buf.compact();
      while (buf.position() < n) {
        if (ch.read(buf) < 0) {
          throw new EOFException("end of stream");
        }
      }
      buf.flip();
    }
  }
}
