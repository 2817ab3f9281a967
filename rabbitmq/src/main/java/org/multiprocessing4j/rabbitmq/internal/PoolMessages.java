package org.multiprocessing4j.rabbitmq.internal;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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

  /*
   * The fields are written straight into the signed message (Envelope.seal with a Payload), and
   * read in place from the received body (Envelope.Opened.payloadBuffer): no payload array of its
   * own on either side. Strings are in DataOutputStream.writeUTF's form (modified UTF-8 after a
   * 2-byte length), as before.
   */

  /** Returns how many bytes {@link #putUtf} writes for a string. */
  static int utfLength(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c >= 1 && c <= 0x7F ? 1 : c <= 0x7FF ? 2 : 3;
    }
    if (n > 0xFFFF) {
      throw new IllegalArgumentException(
          "a string of " + n + " bytes in modified UTF-8 is too long for a pool message (65535)");
    }
    return 2 + n;
  }

  /** Writes a string as {@code DataOutputStream.writeUTF} does. */
  static void putUtf(ByteBuffer b, String s) {
    b.putShort((short) (utfLength(s) - 2));
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 1 && c <= 0x7F) {
        b.put((byte) c);
      } else if (c <= 0x7FF) {
        b.put((byte) (0xC0 | (c >> 6))).put((byte) (0x80 | (c & 0x3F)));
      } else {
        b.put((byte) (0xE0 | (c >> 12)))
            .put((byte) (0x80 | ((c >> 6) & 0x3F)))
            .put((byte) (0x80 | (c & 0x3F)));
      }
    }
  }

  /** Reads a string as {@code DataInputStream.readUTF} does. */
  static String getUtf(ByteBuffer b) throws IOException {
    int n = b.getShort() & 0xFFFF;
    if (n > b.remaining()) {
      throw new EOFException("a string of " + n + " bytes, " + b.remaining() + " left");
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    boolean ascii = true;
    for (byte x : bytes) {
      if (x <= 0) { // 0x80 and above, or a 0 (never written as one byte)
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    byte[] withLength = new byte[n + 2];
    withLength[0] = (byte) (n >> 8);
    withLength[1] = (byte) n;
    System.arraycopy(bytes, 0, withLength, 2, n);
    return new DataInputStream(new ByteArrayInputStream(withLength)).readUTF();
  }

  private static byte[] getBytes(ByteBuffer b) throws IOException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IOException("bad length " + n);
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    return bytes;
  }

  private static byte[] bytes(int length, Envelope.Payload p) {
    ByteBuffer b = ByteBuffer.allocate(length);
    p.writeTo(b);
    return b.array();
  }

  /** Returns a task's length as a payload. */
  static int length(Task t) {
    return utfLength(t.id()) + utfLength(t.replyTo()) + 12 + t.callable().length;
  }

  /** Writes a task at the buffer's position. */
  static void put(ByteBuffer b, Task t) {
    putUtf(b, t.id());
    putUtf(b, t.replyTo());
    b.putLong(t.timeoutNanos());
    b.putInt(t.callable().length);
    b.put(t.callable());
  }

  static byte[] write(Task t) {
    return bytes(length(t), b -> put(b, t));
  }

  static byte[] write(Result r) {
    return bytes(
        resultLength(r.id(), r.bytes().length),
        b -> putResult(b, r.id(), r.failed(), r.tag(), r.bytes(), 0, r.bytes().length));
  }

  /** Returns the length of a result whose bytes are {@code length} bytes long, as a payload. */
  static int resultLength(String id, int length) {
    return utfLength(id) + 6 + length;
  }

  /**
   * Writes a result whose bytes are {@code length} bytes of {@code src} from {@code offset}: a node
   * forwards its worker's answer (tag first, then the bytes) without copying it out first.
   */
  static void putResult(
      ByteBuffer b, String id, boolean failed, int tag, byte[] src, int offset, int length) {
    putUtf(b, id);
    b.put((byte) (failed ? 1 : 0));
    b.put((byte) tag);
    b.putInt(length);
    b.put(src, offset, length);
  }

  static byte[] write(Cancel c) {
    return bytes(
        utfLength(c.id()) + 1,
        b -> {
          putUtf(b, c.id());
          b.put((byte) (c.mayInterrupt() ? 1 : 0));
        });
  }

  static Task readTask(byte[] payload) throws Malformed {
    return readTask(ByteBuffer.wrap(payload));
  }

  static Task readTask(ByteBuffer in) throws Malformed {
    try {
      return new Task(getUtf(in), getUtf(in), in.getLong(), getBytes(in));
    } catch (IOException | BufferUnderflowException e) {
      throw new Malformed("a malformed task message: " + e, e);
    }
  }

  static Result readResult(byte[] payload) throws Malformed {
    return readResult(ByteBuffer.wrap(payload));
  }

  static Result readResult(ByteBuffer in) throws Malformed {
    try {
      return new Result(getUtf(in), in.get() != 0, in.get(), getBytes(in));
    } catch (IOException | BufferUnderflowException e) {
      throw new Malformed("a malformed result message: " + e, e);
    }
  }

  static Cancel readCancel(byte[] payload) throws Malformed {
    return readCancel(ByteBuffer.wrap(payload));
  }

  static Cancel readCancel(ByteBuffer in) throws Malformed {
    try {
      return new Cancel(getUtf(in), in.get() != 0);
    } catch (IOException | BufferUnderflowException e) {
      throw new Malformed("a malformed cancel message: " + e, e);
    }
  }
}
