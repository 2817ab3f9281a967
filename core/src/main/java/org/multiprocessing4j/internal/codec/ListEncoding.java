package org.multiprocessing4j.internal.codec;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The built-in encoding of lists of simple values: an {@link ArrayList} or an unmodifiable {@link
 * List#of} list whose elements are {@code null}, boxed primitives, {@link String}s, {@code byte[]}s
 * or such lists again (up to {@link #MAX_DEPTH} deep). Any other list, or one holding anything
 * else, is left to Java serialization.
 *
 * <pre>
 * list    := kind:u8 (0 ArrayList, 1 List.of) count:i32 element*
 * element := tag:u8 payload      tags are ValueCodec's
 *   NULL: nothing   BOOLEAN, BYTE: 1 byte   SHORT, CHAR: 2   INT, FLOAT: 4   LONG, DOUBLE: 8
 *   STRING: length:i32 UTF-8 bytes   BYTES: length:i32 bytes   LIST: a list
 * </pre>
 *
 * Multi-byte values are in native byte order: encodings never leave the host. The decoded list has
 * the kind of the encoded one: an {@code ArrayList}, or an unmodifiable list from {@link
 * List#of(Object[])}.
 */
final class ListEncoding {

  /** The deepest nesting of lists encoded here; deeper ones go to Java serialization. */
  static final int MAX_DEPTH = 8;

  private static final Class<?> LIST12 = List.of(1).getClass();
  private static final Class<?> LIST_N = List.of(1, 2, 3).getClass();
  private static final Class<?> LIST_EMPTY = List.of().getClass();

  private static final byte KIND_ARRAY_LIST = 0;
  private static final byte KIND_IMMUTABLE = 1;

  private ListEncoding() {}

  /** Returns the encoding of {@code list}, or null if it is not a list this class encodes. */
  static byte @Nullable [] tryEncode(List<?> list) {
    Writer w = new Writer(64 + list.size() * 8);
    return w.list(list, 0) ? Arrays.copyOf(w.buf.array(), w.buf.position()) : null;
  }

  /**
   * Decodes what {@link #tryEncode} made.
   *
   * @throws IllegalArgumentException if the bytes are malformed
   */
  static List<@Nullable Object> decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    try {
      List<@Nullable Object> list = readList(b, 0);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " bytes left over after a list");
      }
      return list;
    } catch (BufferUnderflowException | IndexOutOfBoundsException | NullPointerException e) {
      throw new IllegalArgumentException("malformed list encoding: " + e, e);
    }
  }

  private static List<@Nullable Object> readList(ByteBuffer b, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("lists nested deeper than " + MAX_DEPTH);
    }
    byte kind = b.get();
    int count = b.getInt();
    if (count < 0 || count > b.remaining()) { // every element takes at least its tag byte
      throw new IllegalArgumentException("bad element count " + count);
    }
    @Nullable Object[] items = new Object[count];
    for (int i = 0; i < count; i++) {
      items[i] = readElement(b, depth);
    }
    return switch (kind) {
      case KIND_ARRAY_LIST -> new ArrayList<>(Arrays.asList(items));
      case KIND_IMMUTABLE -> immutable(items);
      default -> throw new IllegalArgumentException("bad list kind " + kind);
    };
  }

  @SuppressWarnings("NullAway") // List.of rejects nulls, and the encoder wrote none: checked there
  private static List<@Nullable Object> immutable(@Nullable Object[] items) {
    return List.of(items);
  }

  private static @Nullable Object readElement(ByteBuffer b, int depth) {
    int tag = b.get();
    return switch (tag) {
      case ValueCodec.NULL -> null;
      case ValueCodec.BOOLEAN -> b.get() != 0;
      case ValueCodec.BYTE -> b.get();
      case ValueCodec.SHORT -> b.getShort();
      case ValueCodec.CHAR -> b.getChar();
      case ValueCodec.INT -> b.getInt();
      case ValueCodec.FLOAT -> b.getFloat();
      case ValueCodec.LONG -> b.getLong();
      case ValueCodec.DOUBLE -> b.getDouble();
      case ValueCodec.STRING -> new String(bytes(b), StandardCharsets.UTF_8);
      case ValueCodec.BYTES -> bytes(b);
      case ValueCodec.LIST -> readList(b, depth + 1);
      default -> throw new IllegalArgumentException("bad element tag " + tag);
    };
  }

  private static byte[] bytes(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("bad length " + n);
    }
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  /** A growable native-order buffer. */
  private static final class Writer {
    ByteBuffer buf;

    Writer(int initial) {
      buf = ByteBuffer.allocate(initial).order(ByteOrder.nativeOrder());
    }

    private void room(int n) {
      if (buf.remaining() < n) {
        int size =
            (int)
                Math.min(
                    Integer.MAX_VALUE - 8,
                    Math.max(buf.capacity() * 2L, buf.position() + (long) n));
        if (size - buf.position() < n) {
          throw new OutOfMemoryError("a list encoding above 2 GiB");
        }
        ByteBuffer bigger = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    /** Writes {@code list}; false if it is not one this class encodes (the buffer is then junk). */
    boolean list(List<?> list, int depth) {
      Class<?> c = list.getClass();
      byte kind;
      if (c == ArrayList.class) {
        kind = KIND_ARRAY_LIST;
      } else if (c == LIST12 || c == LIST_N || c == LIST_EMPTY) {
        kind = KIND_IMMUTABLE; // Stream.toList() makes these too, and may put nulls in them
      } else {
        return false;
      }
      if (depth > MAX_DEPTH) {
        return false;
      }
      room(5);
      buf.put(kind);
      buf.putInt(list.size());
      for (Object o : list) {
        if (o == null && kind == KIND_IMMUTABLE) {
          return false; // List.of could not rebuild it
        }
        if (!element(o, depth)) {
          return false;
        }
      }
      return true;
    }

    private boolean element(@Nullable Object o, int depth) {
      room(9);
      switch (o) {
        case null -> buf.put((byte) ValueCodec.NULL);
        case Integer i -> buf.put((byte) ValueCodec.INT).putInt(i);
        case String s -> {
          byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
          buf.put((byte) ValueCodec.STRING);
          blob(utf8);
        }
        case Long l -> buf.put((byte) ValueCodec.LONG).putLong(l);
        case Double d -> buf.put((byte) ValueCodec.DOUBLE).putDouble(d);
        case byte[] bytes -> {
          buf.put((byte) ValueCodec.BYTES);
          blob(bytes);
        }
        case Boolean z -> buf.put((byte) ValueCodec.BOOLEAN).put((byte) (z ? 1 : 0));
        case Byte b -> buf.put((byte) ValueCodec.BYTE).put(b);
        case Short s -> buf.put((byte) ValueCodec.SHORT).putShort(s);
        case Character ch -> buf.put((byte) ValueCodec.CHAR).putChar(ch);
        case Float f -> buf.put((byte) ValueCodec.FLOAT).putFloat(f);
        case List<?> l -> {
          buf.put((byte) ValueCodec.LIST);
          return list(l, depth + 1);
        }
        default -> {
          return false;
        }
      }
      return true;
    }

    private void blob(byte[] bytes) {
      room(4 + bytes.length);
      buf.putInt(bytes.length);
      buf.put(bytes);
    }
  }
}
