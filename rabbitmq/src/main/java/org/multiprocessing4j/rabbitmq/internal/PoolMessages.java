package org.multiprocessing4j.rabbitmq.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The payloads of a distributed pool's messages, inside a signed {@link Envelope} whose codec tag
 * says which one it is. They are read only after the envelope's signature was checked, and hold the
 * user's objects as opaque bytes, decoded later (tasks in the worker process, results by the
 * submitter) through the allow-list filter.
 *
 * <pre>
 *  TASK   (tag 20, signed for the pool's task queue)
 *         UTF taskId | UTF replyQueue | long timeoutNanos (-1: none) | int n | n bytes: the
 *         task, a lambda of simple values in {@link LambdaForm} (first byte 'L'), or anything
 *         else Java-serialized (a TaskCallable, or a map chunk; first bytes 0xAC 0xED)
 *  RESULT (tag 21, signed for the submitter's reply queue)
 *         UTF taskId | byte status (0 value, 1 failure) | byte codec tag | int n | n bytes
 *  CANCEL (tag 22, signed for the pool's cancel exchange)
 *         UTF taskId | boolean mayInterruptIfRunning
 * </pre>
 */
final class PoolMessages {
  private PoolMessages() {}

  static final int TASK = 20;
  static final int RESULT = 21;
  static final int CANCEL = 22;

  /** A task as it travels to the nodes. */
  @SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
  record Task(String id, String replyTo, long timeoutNanos, byte[] callable) {}

  /** A task's outcome as it travels back. */
  @SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
  record Result(String id, boolean failed, int tag, byte[] bytes) {}

  /** A cancellation, to every node. */
  record Cancel(String id, boolean mayInterrupt) {}

  /** Thrown for a payload that is signed but does not parse: a bug or a version mismatch. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /**
   * Returns what a writer writes. {@code size} is the expected length: a buffer that has to grow
   * copies itself each time (four times for a 1 KiB task from 128 bytes).
   */
  private static byte[] bytes(int size, Writer w) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(size);
    try (DataOutputStream out = new DataOutputStream(b)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by a byte array
    }
    return b.toByteArray();
  }

  /** An upper bound of {@code writeUTF}'s length for a string: 2 bytes, then 3 per char at most. */
  private static int utf(String s) {
    return 2 + 3 * s.length();
  }

  static byte[] write(Task t) {
    return bytes(
        utf(t.id()) + utf(t.replyTo()) + 12 + t.callable().length,
        out -> {
          out.writeUTF(t.id());
          out.writeUTF(t.replyTo());
          out.writeLong(t.timeoutNanos());
          out.writeInt(t.callable().length);
          out.write(t.callable());
        });
  }

  static byte[] write(Result r) {
    return writeResult(r.id(), r.failed(), r.tag(), r.bytes(), 0, r.bytes().length);
  }

  /**
   * Writes a result whose bytes are {@code length} bytes of {@code src} from {@code offset}: a node
   * forwards its worker's answer (tag first, then the bytes) without copying it out first.
   */
  static byte[] writeResult(
      String id, boolean failed, int tag, byte[] src, int offset, int length) {
    return bytes(
        utf(id) + 6 + length,
        out -> {
          out.writeUTF(id);
          out.writeByte(failed ? 1 : 0);
          out.writeByte(tag);
          out.writeInt(length);
          out.write(src, offset, length);
        });
  }

  static byte[] write(Cancel c) {
    return bytes(
        utf(c.id()) + 1,
        out -> {
          out.writeUTF(c.id());
          out.writeBoolean(c.mayInterrupt());
        });
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n);
    }
    return in.readNBytes(n);
  }

  static Task readTask(byte[] payload) throws Malformed {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      return new Task(in.readUTF(), in.readUTF(), in.readLong(), readBytes(in));
    } catch (IOException e) {
      throw new Malformed("a malformed task message: " + e, e);
    }
  }

  static Result readResult(byte[] payload) throws Malformed {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      return new Result(in.readUTF(), in.readByte() != 0, in.readByte(), readBytes(in));
    } catch (IOException e) {
      throw new Malformed("a malformed result message: " + e, e);
    }
  }

  static Cancel readCancel(byte[] payload) throws Malformed {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      return new Cancel(in.readUTF(), in.readBoolean());
    } catch (IOException e) {
      throw new Malformed("a malformed cancel message: " + e, e);
    }
  }
}
