package org.multiprocessing4j.internal.queue;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Codec;
import org.multiprocessing4j.Connection;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.internal.codec.ValueCodec;
import org.multiprocessing4j.internal.ring.MpmcRingBuffer;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * {@link Connection} over a {@link PipeCore}: sends into one ring, receives from the other, and
 * waits in slices of {@link #SLICE_NANOS} so that it notices, between slices, that the other end is
 * gone (nothing signals a death). Serializes as a {@link Ref}.
 */
public final class LocalConnection implements Connection, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /** The longest wait before checking again whether the other end is gone. */
  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final transient PipeCore core;
  private final int end;
  private final transient @Nullable Codec<?> codec;
  private transient volatile boolean closed;
  private transient volatile boolean registered;
  private transient volatile long goneCheckedAt = System.nanoTime() - SLICE_NANOS;

  private LocalConnection(PipeCore core, int end, @Nullable Codec<?> codec) {
    this.core = core;
    this.end = end;
    this.codec = codec;
    core.opened(end);
  }

  /** Creates a pipe in {@code owner}'s memory. */
  public static Pipe pipe(SegmentOwner owner, boolean duplex) {
    return pipe(owner, duplex, null);
  }

  /**
   * Creates a pipe in {@code owner}'s memory whose ends encode values with {@code codec}.
   *
   * @param codec the user's codec, or null for the built-in encoding
   */
  public static Pipe pipe(SegmentOwner owner, boolean duplex, @Nullable Codec<?> codec) {
    PipeCore core = PipeCore.create(owner, duplex);
    return new Pipe(new LocalConnection(core, 0, codec), new LocalConnection(core, 1, codec));
  }

  /** The serialized form: the pipe's file names, which end, and the codec that travels with it. */
  private record Ref(
      String control, String toFirst, @Nullable String toSecond, int end, @Nullable Codec<?> codec)
      implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    @Serial
    private Object readResolve() {
      LocalConnection c =
          new LocalConnection(PipeCore.attach(control, toFirst, toSecond), end, codec);
      c.use(); // this process now holds the end: the creator's weak claim is dropped
      return c;
    }
  }

  @Serial
  private Object writeReplace() {
    core.handedOut(end);
    MpmcRingBuffer toSecond = core.toSecond;
    return new Ref(
        core.controlName(),
        core.toFirst.name(),
        toSecond == null ? null : toSecond.name(),
        end,
        codec);
  }

  private int other() {
    return 1 - end;
  }

  /** Records this process as a user of this end, once. */
  private void use() {
    if (!registered) {
      core.register(end);
      registered = true;
    }
  }

  private MpmcRingBuffer out() {
    if (closed) {
      throw new IllegalStateException("this end of the pipe is closed");
    }
    MpmcRingBuffer ring = core.outgoing(end);
    if (ring == null) {
      throw new IllegalStateException("this end of a one-way pipe can only receive");
    }
    use();
    return ring;
  }

  private MpmcRingBuffer in() {
    if (closed) {
      throw new IllegalStateException("this end of the pipe is closed");
    }
    MpmcRingBuffer ring = core.incoming(end);
    if (ring == null) {
      throw new IllegalStateException("this end of a one-way pipe can only send");
    }
    use();
    return ring;
  }

  // ------------------------------------------------------------------------------------- send

  @Override
  public void send(@Nullable Object value) throws IOException, InterruptedException {
    MpmcRingBuffer ring = out();
    ValueCodec.Encoded e = ValueCodec.encode(value, codec, "the value sent through the pipe");
    send(ring, e.type(), e.length(), e);
  }

  @Override
  public void sendBytes(byte[] bytes) throws IOException, InterruptedException {
    sendBytes(bytes, 0, bytes.length);
  }

  @Override
  public void sendBytes(byte[] bytes, int offset, int length)
      throws IOException, InterruptedException {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    MpmcRingBuffer ring = out();
    send(
        ring,
        ValueCodec.BYTES,
        length,
        (m, at) -> MemorySegment.copy(bytes, offset, m, ValueLayout.JAVA_BYTE, at, length));
  }

  private void send(MpmcRingBuffer ring, int type, long length, MpmcRingBuffer.RecordWriter w)
      throws IOException, InterruptedException {
    while (true) {
      if (otherGone()) {
        throw new IOException("broken pipe: the other end is closed, or its processes ended");
      }
      if (ring.offer(type, length, w, SLICE_NANOS, true)) {
        return;
      }
    }
  }

  /**
   * Returns whether the other end is gone, asking {@link PipeCore#isGone} (which reads {@code
   * /proc}) at most once per {@link #SLICE_NANOS}; in between, the last answer "not gone" stands.
   */
  private boolean otherGone() {
    long now = System.nanoTime();
    if (now - goneCheckedAt < SLICE_NANOS) {
      return false;
    }
    boolean gone = core.isGone(other());
    goneCheckedAt = gone ? now - SLICE_NANOS : now; // "gone" is asked again next time
    return gone;
  }

  // ------------------------------------------------------------------------------------- receive

  /** Thrown by a reader to leave a message in the pipe; rethrown as {@link #toThrow()}. */
  private static final class Refused extends RuntimeException {
    @Serial private static final long serialVersionUID = 1L;

    private final boolean tooShort;

    Refused(String message, boolean tooShort) {
      super(message, null, false, false);
      this.tooShort = tooShort;
    }

    RuntimeException toThrow() {
      return tooShort
          ? new IllegalArgumentException(getMessage())
          : new IllegalStateException(getMessage());
    }
  }

  @Override
  public @Nullable Object recv() throws EOFException, InterruptedException {
    return ValueCodec.finish(receive(ValueCodec::read), loader(), codec);
  }

  @Override
  public byte[] recvBytes() throws EOFException, InterruptedException {
    return receive(
        (type, m, offset, length) -> {
          if (type != ValueCodec.BYTES) {
            throw new Refused("the next message was sent with send() and is not a byte[]", false);
          }
          return (byte[]) ValueCodec.read(type, m, offset, length);
        });
  }

  @Override
  public int recvBytesInto(byte[] buffer, int offset) throws EOFException, InterruptedException {
    Objects.checkIndex(offset, buffer.length + 1);
    return receive(
        (type, m, at, length) -> {
          if (type != ValueCodec.BYTES) {
            throw new Refused("the next message was sent with send() and is not a byte[]", false);
          }
          if (length > buffer.length - offset) {
            throw new Refused(
                "buffer too short: the message has "
                    + length
                    + " bytes, the buffer "
                    + (buffer.length - offset)
                    + " from offset "
                    + offset
                    + "; it stays in the pipe",
                true);
          }
          MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at, buffer, offset, (int) length);
          return (int) length;
        });
  }

  private <T> T receive(MpmcRingBuffer.RecordReader<T> reader)
      throws EOFException, InterruptedException {
    MpmcRingBuffer ring = in();
    while (true) {
      T value;
      try {
        value = ring.poll(reader, SLICE_NANOS, true);
      } catch (Refused e) {
        throw e.toThrow();
      }
      if (value != null) {
        return value;
      }
      if (otherGone() && ring.isEmpty()) {
        throw new EOFException("the other end of the pipe is closed, or its processes ended");
      }
    }
  }

  @Override
  public boolean poll() {
    MpmcRingBuffer ring = in();
    return !ring.isEmpty() || otherGone();
  }

  @Override
  public boolean poll(Duration timeout) throws InterruptedException {
    long nanos = LocalProcessQueue.nanos(timeout);
    long start = System.nanoTime();
    while (true) {
      if (poll()) {
        return true;
      }
      long remaining = Waiting.remaining(start, nanos);
      if (remaining <= 0) {
        return false;
      }
      if (in().awaitRecord(Math.min(remaining, SLICE_NANOS))) {
        return true;
      }
    }
  }

  @Override
  public boolean readable() {
    return core.incoming(end) != null;
  }

  @Override
  public boolean writable() {
    return core.outgoing(end) != null;
  }

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      core.closed(end); // the process leaves the end with its last handle here
    }
  }

  private static ClassLoader loader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null
        ? context
        : Objects.requireNonNull(LocalConnection.class.getClassLoader(), "no class loader");
  }

  @Override
  public String toString() {
    return "Connection[" + core + ", end " + (end == 0 ? "first" : "second") + "]";
  }
}
