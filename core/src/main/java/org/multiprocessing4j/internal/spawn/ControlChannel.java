package org.multiprocessing4j.internal.spawn;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One framed, bidirectional message stream between a parent and one child, over two pipes: the
 * child's standard input (parent to child) and a FIFO the parent made (child to parent; see {@link
 * Fifo} for why not a socket). The child's standard output and error stay its own.
 *
 * <p>Frame: {@code [int length][byte type][length - 1 bytes of payload]}, big-endian. Writes are
 * serialized by a lock on the output; reads are made by one thread only (the reader of each side).
 * The channel ends when either side closes it or its process dies: the other side's {@link #read()}
 * then throws {@link EOFException}, which is how a child learns that its parent is gone.
 */
final class ControlChannel implements AutoCloseable {

  /** Parent to child: the serialized process object to run. */
  static final byte LAUNCH = 1;

  /** Child to parent: the target was loaded and is about to run. */
  static final byte STARTED = 2;

  /** Child to parent: the target could not be loaded; payload is a ThrowableInfo. */
  static final byte START_FAILED = 3;

  /** Child to parent: the target threw; payload is a ThrowableInfo. */
  static final byte UNCAUGHT = 4;

  /** Child to parent: the child received a termination signal; payload is the int signal number. */
  static final byte SIGNALLED = 5;

  /** Child to parent: the child's JVM began an orderly shutdown (normal end or System.exit). */
  static final byte SHUTDOWN = 6;

  /** Child to parent, from a warm spare only: warmed up and waiting for LAUNCH. */
  static final byte SPARE_READY = 7;

  /** Largest frame accepted, to fail fast on garbage rather than allocate it. */
  private static final int MAX_FRAME = 1 << 30;

  /** A received frame. */
  static final class Frame {
    private final byte type;
    private final byte[] payload;

    Frame(byte type, byte[] payload) {
      this.type = type;
      this.payload = payload;
    }

    byte type() {
      return type;
    }

    byte[] payload() {
      return payload;
    }

    DataInputStream data() {
      return new DataInputStream(new ByteArrayInputStream(payload));
    }
  }

  /** Writes a payload into a frame's body. */
  @FunctionalInterface
  interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  private final InputStream rawIn;
  private final OutputStream rawOut;
  private final DataInputStream in;
  private final DataOutputStream out; // guarded by itself

  /**
   * Frames the two streams. Closing {@code in} must wake a thread blocked reading it (a stream of
   * an interruptible channel, from {@code Channels.newInputStream}, does): the child's exit waits
   * for threads blocked in native reads otherwise.
   */
  ControlChannel(InputStream in, OutputStream out) {
    this.rawIn = in;
    this.rawOut = out;
    this.in = new DataInputStream(new BufferedInputStream(in, 8192));
    this.out = new DataOutputStream(new BufferedOutputStream(out, 8192));
  }

  /** Sends a frame whose payload is written by {@code body}. */
  void send(byte type, Body body) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    body.write(new DataOutputStream(buf));
    send(type, buf.toByteArray());
  }

  /** Sends a frame. */
  void send(byte type, byte[] payload) throws IOException {
    synchronized (out) {
      out.writeInt(payload.length + 1);
      out.writeByte(type);
      out.write(payload);
      out.flush();
    }
  }

  /**
   * Reads the next frame, blocking until one arrives.
   *
   * @throws EOFException when the other side closed the channel or died
   */
  Frame read() throws IOException {
    int length = in.readInt();
    if (length < 1 || length > MAX_FRAME) {
      throw new IOException("corrupt control frame length " + length);
    }
    byte type = in.readByte();
    byte[] payload = new byte[length - 1];
    in.readFully(payload);
    return new Frame(type, payload);
  }

  /** Closes both directions; a thread blocked in {@link #read()} gets an IOException. */
  @Override
  public void close() {
    try {
      rawIn.close();
    } catch (IOException e) {
      // Nothing to do: the pipe is gone either way.
    }
    try {
      rawOut.close();
    } catch (IOException e) {
      // The other side exited: nothing to flush to.
    }
  }
}
