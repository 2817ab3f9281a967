package org.multiprocessing4j.internal.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable, unsynchronized byte buffer with big-endian primitive writes: what {@code
 * ByteArrayOutputStream} plus {@code DataOutputStream} would do, without a lock per byte.
 */
final class ByteSink {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private byte[] buf;
  private int size;

  ByteSink(int capacity) {
    this.buf = new byte[Math.max(16, capacity)];
  }

  int size() {
    return size;
  }

  byte[] array() {
    return buf;
  }

  void reset() {
    size = 0;
  }

  /** Drops everything written after the first {@code newSize} bytes. */
  void truncate(int newSize) {
    if (newSize < 0 || newSize > size) {
      throw new IllegalArgumentException("cannot truncate " + size + " bytes to " + newSize);
    }
    size = newSize;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  /**
   * Returns the bytes written: the buffer itself when they fill it exactly (no copy; nothing may be
   * written to this sink after), else a copy.
   */
  byte[] toByteArrayNoCopyIfFull() {
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  private void ensure(int more) {
    int need = size + more;
    if (need < 0) {
      throw new OutOfMemoryError("byte buffer over 2 GiB");
    }
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, Math.min(Integer.MAX_VALUE - 8, buf.length * 2)));
    }
  }

  /**
   * Makes room for {@code bytes} more bytes, counts them as written and returns where they start,
   * for a caller that fills them in with {@link #setInt} or {@link #setLong}.
   */
  int reserve(long bytes) {
    if (bytes < 0 || bytes > Integer.MAX_VALUE) {
      throw new OutOfMemoryError("byte buffer over 2 GiB");
    }
    ensure((int) bytes);
    int at = size;
    size += (int) bytes;
    return at;
  }

  void putByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  void putBoolean(boolean b) {
    putByte(b ? 1 : 0);
  }

  void putInt(int v) {
    ensure(4);
    INT.set(buf, size, v);
    size += 4;
  }

  /** Overwrites four bytes at {@code at}, for a length filled in after the body. */
  void setInt(int at, int v) {
    INT.set(buf, at, v);
  }

  void setLong(int at, long v) {
    LONG.set(buf, at, v);
  }

  void putLong(long v) {
    ensure(8);
    LONG.set(buf, size, v);
    size += 8;
  }

  void putDouble(double v) {
    putLong(Double.doubleToRawLongBits(v));
  }

  void putBytes(byte[] b) {
    putBytes(b, 0, b.length);
  }

  void putBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  /** Writes an int length then the bytes. */
  void putBlock(byte[] b) {
    putInt(b.length);
    putBytes(b);
  }

  /** Writes a string as an int length and UTF-8 bytes; no 64 KiB limit. */
  void putString(String s) {
    putBlock(s.getBytes(StandardCharsets.UTF_8));
  }
}
