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
 *         task, Java-serialized (a TaskCallable, or a map chunk)
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

  private static byte[] bytes(Writer w) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(b)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by a byte array
    }
    return b.toByteArray();
  }

  static byte[] write(Task t) {
    return bytes(
        out -> {
          out.writeUTF(t.id());
          out.writeUTF(t.replyTo());
          out.writeLong(t.timeoutNanos());
          out.writeInt(t.callable().length);
          out.write(t.callable());
        });
  }

  static byte[] write(Result r) {
    return bytes(
        out -> {
          out.writeUTF(r.id());
          out.writeByte(r.failed() ? 1 : 0);
          out.writeByte(r.tag());
          out.writeInt(r.bytes().length);
          out.write(r.bytes());
        });
  }

  static byte[] write(Cancel c) {
    return bytes(
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
