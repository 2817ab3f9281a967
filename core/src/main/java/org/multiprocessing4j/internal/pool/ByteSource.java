package org.multiprocessing4j.internal.pool;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** Reads what a {@link ByteSink} wrote, from a byte array range. Bounds are checked. */
final class ByteSource {
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** Largest string or block accepted, to fail fast on corrupt input. */
  private static final int MAX_BLOCK = 1 << 30;

  private final byte[] buf;
  private int pos;
  private final int end;

  ByteSource(byte[] buf) {
    this(buf, 0, buf.length);
  }

  ByteSource(byte[] buf, int off, int len) {
    this.buf = buf;
    this.pos = off;
    this.end = off + len;
  }

  int remaining() {
    return end - pos;
  }

  private void need(int n) throws EOFException {
    if (n < 0 || end - pos < n) {
      throw new EOFException("truncated message: need " + n + " bytes, have " + (end - pos));
    }
  }

  private void needElements(int n, int size) throws EOFException {
    if (n < 0 || n > (end - pos) / size) {
      throw new EOFException(
          "truncated or corrupt message: "
              + n
              + " elements of "
              + size
              + " bytes, have "
              + (end - pos)
              + " bytes");
    }
  }

  byte getByte() throws EOFException {
    need(1);
    return buf[pos++];
  }

  boolean getBoolean() throws EOFException {
    return getByte() != 0;
  }

  int getInt() throws EOFException {
    need(4);
    int v = (int) INT.get(buf, pos);
    pos += 4;
    return v;
  }

  long getLong() throws EOFException {
    need(8);
    long v = (long) LONG.get(buf, pos);
    pos += 8;
    return v;
  }

  /** Reads {@code n} ints into boxes: the items of a packed list. */
  @Nullable Object[] getBoxedInts(int n) throws EOFException {
    needElements(n, 4);
    @Nullable Object[] a = new Object[n];
    int p = pos;
    for (int i = 0; i < n; i++, p += 4) {
      a[i] = (int) INT.get(buf, p);
    }
    pos = p;
    return a;
  }

  /** Reads {@code n} longs into boxes: the items of a packed list. */
  @Nullable Object[] getBoxedLongs(int n) throws EOFException {
    needElements(n, 8);
    @Nullable Object[] a = new Object[n];
    int p = pos;
    for (int i = 0; i < n; i++, p += 8) {
      a[i] = (long) LONG.get(buf, p);
    }
    pos = p;
    return a;
  }

  double getDouble() throws EOFException {
    return Double.longBitsToDouble(getLong());
  }

  byte[] getBlock() throws IOException {
    int n = getInt();
    if (n < 0 || n > MAX_BLOCK) {
      throw new IOException("corrupt block length " + n);
    }
    need(n);
    byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return b;
  }

  /** Skips a block written by {@code ByteSink.putBlock}. */
  void skipBlock() throws IOException {
    int n = getInt();
    if (n < 0 || n > MAX_BLOCK) {
      throw new IOException("corrupt block length " + n);
    }
    need(n);
    pos += n;
  }

  String getString() throws IOException {
    int n = getInt();
    if (n < 0 || n > MAX_BLOCK) {
      throw new IOException("corrupt string length " + n);
    }
    need(n);
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }
}
