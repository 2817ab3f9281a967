package org.multiprocessing4j.internal.pool;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.codec.JavaSerialization;
import org.multiprocessing4j.internal.codec.ThrowableInfo;

/**
 * Encodes task arguments and results: a tag byte, then a compact form for the common immutable
 * types (null, Boolean, Integer, Long, Double, String, byte[]) and Java serialization for anything
 * else. A list (a chunk of map items or its results) of only Integers, or only Longs, is packed: a
 * tag, a count and the raw values, 4 or 8 bytes each (a map of a trivial function over numbers
 * spends most of its time encoding and decoding its chunks). Another list whose elements are all of
 * the common types is written element by element, a tag each; any other list is serialized whole,
 * so class descriptors are written once per chunk, not once per item. A list is read back as a
 * fixed-size list ({@link Arrays#asList}) unless it was serialized.
 *
 * <pre>
 * value := NULL | TRUE | FALSE | INT i32 | LONG i64 | DOUBLE f64 | STRING block | BYTES block
 *        | JAVA block(serialized) | LIST count:i32 value* | INTS count:i32 i32* | LONGS count:i32 i64*
 * </pre>
 *
 * <p>Encoding preserves the exact type: an Integer comes back as an Integer.
 */
final class ValueCodec {

  private static final byte NULL = 0;
  private static final byte TRUE = 1;
  private static final byte FALSE = 2;
  private static final byte INT = 3;
  private static final byte LONG = 4;
  private static final byte DOUBLE = 5;
  private static final byte STRING = 6;
  private static final byte BYTES = 7;
  private static final byte JAVA = 8;
  private static final byte LIST = 9;
  private static final byte INTS = 10;
  private static final byte LONGS = 11;

  private ValueCodec() {}

  /**
   * Writes one value.
   *
   * @param what how to name the value in an error
   * @throws org.multiprocessing4j.UnserializableValueException if it cannot be serialized
   */
  static void write(ByteSink out, @Nullable Object v, String what) {
    if (v == null) {
      out.putByte(NULL);
    } else if (!writeSimple(out, v)) {
      out.putByte(JAVA);
      out.putBlock(JavaSerialization.serialize(v, what));
    }
  }

  /** Writes {@code v} if it is of a common type; returns false (writing nothing) otherwise. */
  private static boolean writeSimple(ByteSink out, @Nullable Object v) {
    switch (v) {
      case null -> out.putByte(NULL);
      case Boolean b -> out.putByte(b ? TRUE : FALSE);
      case Integer i -> {
        out.putByte(INT);
        out.putInt(i);
      }
      case Long l -> {
        out.putByte(LONG);
        out.putLong(l);
      }
      case Double d -> {
        out.putByte(DOUBLE);
        out.putDouble(d);
      }
      case String s -> {
        out.putByte(STRING);
        out.putString(s);
      }
      case byte[] b -> {
        out.putByte(BYTES);
        out.putBlock(b);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns how many bytes {@link #writeList} writes for {@code items}, all of them {@link
   * #isSimple}, or more: a string counts 3 bytes a char (UTF-8's most), and a list that packs
   * (every element an Integer, or every one a Long) writes fewer. For a buffer sized once instead
   * of grown.
   */
  static long simpleListSize(Object[] items) {
    long n = 1 + 4;
    for (Object v : items) {
      n +=
          switch (v) {
            case null -> 1;
            case Boolean b -> 1;
            case Integer i -> 1 + 4;
            case Long l -> 1 + 8;
            case Double d -> 1 + 8;
            case String s -> 1 + 4 + 3L * s.length();
            case byte[] b -> 1 + 4 + b.length;
            default -> 0;
          };
    }
    return n;
  }

  static boolean isSimple(@Nullable Object v) {
    return v == null
        || v instanceof Integer
        || v instanceof String
        || v instanceof Long
        || v instanceof Double
        || v instanceof Boolean
        || v instanceof byte[];
  }

  /** Reads one value written by {@link #write}. */
  static @Nullable Object read(ByteSource in, ClassLoader loader) throws IOException {
    byte tag = in.getByte();
    return switch (tag) {
      case NULL -> null;
      case TRUE -> true;
      case FALSE -> false;
      case INT -> in.getInt();
      case LONG -> in.getLong();
      case DOUBLE -> in.getDouble();
      case STRING -> in.getString();
      case BYTES -> in.getBlock();
      case JAVA -> deserialize(in.getBlock(), loader);
      case LIST -> readSimpleList(in);
      case INTS -> Arrays.asList(in.getBoxedInts(in.getInt()));
      case LONGS -> Arrays.asList(in.getBoxedLongs(in.getInt()));
      default -> throw new IOException("corrupt value tag " + tag);
    };
  }

  /**
   * Writes a list of values: packed if every element is an Integer, or every one a Long; element by
   * element if all are of the common types; else serialized whole.
   *
   * @throws org.multiprocessing4j.UnserializableValueException if an element cannot be serialized
   */
  static void writeList(ByteSink out, List<?> items, String what) {
    int n = items.size();
    if (n > 0) {
      Object first = items.get(0);
      if (first instanceof Integer && writeInts(out, items, n)) {
        return;
      }
      if (first instanceof Long && writeLongs(out, items, n)) {
        return;
      }
    }
    boolean simple = true;
    for (int i = 0; i < n; i++) {
      if (!isSimple(items.get(i))) {
        simple = false;
        break;
      }
    }
    if (simple) {
      out.putByte(LIST);
      out.putInt(n);
      for (int i = 0; i < n; i++) {
        writeSimple(out, items.get(i));
      }
    } else {
      out.putByte(JAVA);
      out.putBlock(JavaSerialization.serialize(new ArrayList<>(items), what));
    }
  }

  /** Writes the list packed if all its elements are Integers; else writes nothing, false. */
  private static boolean writeInts(ByteSink out, List<?> items, int n) {
    int start = out.size();
    out.putByte(INTS);
    out.putInt(n);
    int at = out.reserve(4L * n);
    for (int i = 0; i < n; i++, at += 4) {
      if (!(items.get(i) instanceof Integer v)) {
        out.truncate(start);
        return false;
      }
      out.setInt(at, v);
    }
    return true;
  }

  /** Writes the list packed if all its elements are Longs; else writes nothing, false. */
  private static boolean writeLongs(ByteSink out, List<?> items, int n) {
    int start = out.size();
    out.putByte(LONGS);
    out.putInt(n);
    int at = out.reserve(8L * n);
    for (int i = 0; i < n; i++, at += 8) {
      if (!(items.get(i) instanceof Long v)) {
        out.truncate(start);
        return false;
      }
      out.setLong(at, v);
    }
    return true;
  }

  private static List<@Nullable Object> readSimpleList(ByteSource in) throws IOException {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IOException("corrupt list length " + n);
    }
    @Nullable Object[] list = new Object[n];
    for (int i = 0; i < n; i++) {
      byte tag = in.getByte();
      list[i] =
          switch (tag) {
            case NULL -> null;
            case TRUE -> true;
            case FALSE -> false;
            case INT -> in.getInt();
            case LONG -> in.getLong();
            case DOUBLE -> in.getDouble();
            case STRING -> in.getString();
            case BYTES -> in.getBlock();
            default -> throw new IOException("corrupt list element tag " + tag);
          };
    }
    return Arrays.asList(list);
  }

  /** Reads a list written by {@link #writeList}. */
  @SuppressWarnings("unchecked")
  static List<@Nullable Object> readList(ByteSource in, ClassLoader loader) throws IOException {
    Object v = read(in, loader);
    if (!(v instanceof List<?>)) {
      throw new IOException("expected a list, got " + (v == null ? "null" : v.getClass()));
    }
    return (List<@Nullable Object>) v;
  }

  static Object deserialize(byte[] bytes, ClassLoader loader) throws IOException {
    try {
      return JavaSerialization.deserialize(bytes, loader);
    } catch (ClassNotFoundException e) {
      throw new IOException("class not found: " + e.getMessage(), e);
    }
  }

  /** Writes a throwable's description as a block. */
  static void writeThrowable(ByteSink out, ThrowableInfo info) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream data = new DataOutputStream(bytes)) {
      info.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array stream does not fail
    }
    out.putBlock(bytes.toByteArray());
  }

  /** Reads a throwable's description written by {@link #writeThrowable}. */
  static ThrowableInfo readThrowable(ByteSource in) throws IOException {
    return ThrowableInfo.read(new DataInputStream(new ByteArrayInputStream(in.getBlock())));
  }
}
