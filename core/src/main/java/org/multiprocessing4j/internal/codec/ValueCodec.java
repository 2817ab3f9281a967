package org.multiprocessing4j.internal.codec;

import java.io.IOException;
import java.io.InvalidClassException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Codec;
import org.multiprocessing4j.UndecodableValueException;
import org.multiprocessing4j.UnserializableValueException;
import org.multiprocessing4j.internal.ring.MpmcRingBuffer;

/**
 * Turns values into tagged bytes and back, for queues and pipes.
 *
 * <p>The common immutable types have a built-in encoding, with no serialization stream around them:
 * {@code null}, the boxed primitives, {@link String} (UTF-8) and {@code byte[]} (the array's bytes,
 * copied once), and lists of these ({@link ListEncoding}). Everything else goes through {@link
 * JavaSerialization}: its failure names the unserializable class and the path to it, and it reads
 * values back through its deserialization filter. A queue created with a user's {@link Codec}
 * encodes its non-null items with it instead ({@link #encode(Object, Codec, String)}), tagged
 * {@link #CUSTOM}.
 *
 * <p>Multi-byte values are in native byte order: encodings never leave the host.
 */
public final class ValueCodec {

  /** Type tags, stored as the record type. */
  public static final int NULL = 0;

  public static final int BOOLEAN = 1;
  public static final int BYTE = 2;
  public static final int SHORT = 3;
  public static final int CHAR = 4;
  public static final int INT = 5;
  public static final int LONG = 6;
  public static final int FLOAT = 7;
  public static final int DOUBLE = 8;
  public static final int STRING = 9;
  public static final int BYTES = 10;
  public static final int SERIALIZED = 11;
  public static final int LIST = 12;
  public static final int CUSTOM = 13;

  private static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong LONG_U = ValueLayout.JAVA_LONG_UNALIGNED;

  // The hot item types are read and written through constant var handles rather than
  // MemorySegment.get/set(layout, ...), whose extra call levels kept the JIT from inlining the
  // access into the ring's put (Unsafe.putIntUnaligned: "callee uses too much stack").
  private static final VarHandle SEGMENT_INT = INT_U.varHandle();
  private static final VarHandle SEGMENT_LONG = LONG_U.varHandle();
  private static final VarHandle ARRAY_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  /**
   * Arrays up to this length are copied a long at a time: MemorySegment.copy's bulk copy is a call
   * the JIT does not inline (Unsafe.copyMemory) and costs more than the copy of a small item.
   */
  static final int SMALL_COPY = 64;

  private ValueCodec() {}

  /**
   * A value's type tag and encoding: a primitive's bits, or bytes (a {@code byte[]} item itself,
   * not a copy). Written straight into shared memory by {@link #write}, with no intermediate
   * buffer; it is itself the ring's writer, so a put allocates nothing more for it.
   */
  public static final class Encoded implements MpmcRingBuffer.RecordWriter {
    private final int type;
    private final long bits;
    private final byte @Nullable [] bytes;

    private Encoded(int type, long bits, byte @Nullable [] bytes) {
      this.type = type;
      this.bits = bits;
      this.bytes = bytes;
    }

    /** Returns the type tag. */
    public int type() {
      return type;
    }

    /** Returns the length in bytes. */
    public long length() {
      if (bytes != null) {
        return bytes.length;
      }
      return switch (type) {
        case NULL -> 0;
        case BOOLEAN, BYTE -> 1;
        case SHORT, CHAR -> 2;
        case INT, FLOAT -> 4;
        default -> 8;
      };
    }

    /** Writes the encoding at {@code offset} of {@code m}. */
    @Override
    public void write(MemorySegment m, long offset) {
      byte[] b = bytes;
      if (b != null) {
        if (b.length <= SMALL_COPY) {
          copySmall(b, m, offset);
        } else {
          MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, offset, b.length);
        }
        return;
      }
      switch (type) {
        case NULL -> {}
        case BOOLEAN, BYTE -> m.set(ValueLayout.JAVA_BYTE, offset, (byte) bits);
        case SHORT, CHAR -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) bits);
        case INT, FLOAT -> SEGMENT_INT.set(m, offset, (int) bits);
        default -> SEGMENT_LONG.set(m, offset, bits);
      }
    }
  }

  private static void copySmall(byte[] b, MemorySegment m, long offset) {
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      SEGMENT_LONG.set(m, offset + i, (long) ARRAY_LONG.get(b, i));
    }
    for (; i < b.length; i++) {
      m.set(ValueLayout.JAVA_BYTE, offset + i, b[i]);
    }
  }

  /**
   * Bytes of a serialized, list or custom-encoded value, copied out of shared memory, to be decoded
   * later (outside the queue's lock).
   */
  public static final class Serialized {
    final int type;
    final byte[] bytes;

    Serialized(int type, byte[] bytes) {
      this.type = type;
      this.bytes = bytes;
    }
  }

  /** Stands for a decoded {@code null}, where a reader must return an object. */
  public static final Object NULL_VALUE = new Object();

  /**
   * Encodes a value.
   *
   * @param value the value; may be null
   * @param what how to name the value in an error, such as "the item"
   * @return its tag and bytes
   * @throws UnserializableValueException if it is neither of a built-in type nor serializable
   */
  public static Encoded encode(@Nullable Object value, String what) {
    // The usual items first, by class, in a method small enough to be inlined into the put: the
    // pattern switch (a type-switch call site, 486 bytes of code) is not, and showed as a quarter
    // of a producer's time for Integer items.
    if (value != null) {
      Class<?> c = value.getClass();
      if (c == Integer.class) {
        return new Encoded(INT, (Integer) value, null);
      }
      if (c == byte[].class) {
        return new Encoded(BYTES, 0, (byte[]) value);
      }
      if (c == Long.class) {
        return new Encoded(LONG, (Long) value, null);
      }
    }
    return encodeAny(value, what);
  }

  private static Encoded encodeAny(@Nullable Object value, String what) {
    return switch (value) {
      case null -> new Encoded(NULL, 0, null);
      case Integer i -> new Encoded(INT, i, null);
      case byte[] b -> new Encoded(BYTES, 0, b);
      case String s -> new Encoded(STRING, 0, s.getBytes(StandardCharsets.UTF_8));
      case Long l -> new Encoded(LONG, l, null);
      case Double d -> new Encoded(DOUBLE, Double.doubleToRawLongBits(d), null);
      case Boolean b -> new Encoded(BOOLEAN, b ? 1 : 0, null);
      case Byte b -> new Encoded(BYTE, b, null);
      case Short s -> new Encoded(SHORT, s, null);
      case Character c -> new Encoded(CHAR, c, null);
      case Float f -> new Encoded(FLOAT, Float.floatToRawIntBits(f), null);
      case List<?> list -> {
        byte[] bytes = ListEncoding.tryEncode(list);
        yield bytes != null
            ? new Encoded(LIST, 0, bytes)
            : new Encoded(SERIALIZED, 0, JavaSerialization.serialize(value, what));
      }
      default -> new Encoded(SERIALIZED, 0, JavaSerialization.serialize(value, what));
    };
  }

  /**
   * Encodes a value with a user's codec, or with the built-in encoding if there is none; {@code
   * null} is always encoded as {@link #NULL}, without the codec.
   *
   * @param value the value; may be null
   * @param codec the user's codec, or null
   * @param what how to name the value in an error, such as "the item"
   * @return its tag and bytes
   * @throws UnserializableValueException if it cannot be encoded, naming its class
   */
  @SuppressWarnings("unchecked") // the codec is for the queue's items, which the caller's type says
  public static Encoded encode(@Nullable Object value, @Nullable Codec<?> codec, String what) {
    if (codec == null || value == null) {
      return encode(value, what);
    }
    byte[] bytes;
    try {
      bytes = ((Codec<Object>) codec).encode(value);
    } catch (Exception e) {
      throw new UnserializableValueException(
          what
              + " of class "
              + value.getClass().getName()
              + " cannot be encoded by the queue's codec "
              + codec.getClass().getName()
              + ": "
              + e,
          value.getClass().getName(),
          e);
    }
    if (bytes == null) {
      throw new UnserializableValueException(
          "the codec "
              + codec.getClass().getName()
              + " returned null for "
              + what
              + " of class "
              + value.getClass().getName()
              + "; it must return the encoded bytes",
          value.getClass().getName(),
          new NullPointerException("encode returned null"));
    }
    return new Encoded(CUSTOM, 0, bytes);
  }

  /**
   * Decodes a built-in value in place, or copies a serialized one out as {@link Serialized}. Cheap
   * and never throws for well-formed input: meant to run while a lock is held.
   *
   * @return the value, {@link #NULL_VALUE}, or {@link Serialized}
   */
  public static Object read(int type, MemorySegment m, long offset, long length) {
    return switch (type) {
      case NULL -> NULL_VALUE;
      case INT -> (int) SEGMENT_INT.get(m, offset);
      case LONG -> (long) SEGMENT_LONG.get(m, offset);
      case DOUBLE -> m.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset);
      case BOOLEAN -> m.get(ValueLayout.JAVA_BYTE, offset) != 0;
      case BYTE -> m.get(ValueLayout.JAVA_BYTE, offset);
      case SHORT -> m.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset);
      case CHAR -> m.get(ValueLayout.JAVA_CHAR_UNALIGNED, offset);
      case FLOAT -> m.get(ValueLayout.JAVA_FLOAT_UNALIGNED, offset);
      case STRING -> new String(copy(m, offset, length), StandardCharsets.UTF_8);
      case BYTES -> copy(m, offset, length);
      case SERIALIZED, LIST, CUSTOM -> new Serialized(type, copy(m, offset, length));
      default -> new Serialized(type, new byte[0]); // unknown tag: fails in finish()
    };
  }

  /**
   * Returns whether what {@link #read} returned is the value itself, so that {@link #finish} would
   * return it unchanged.
   *
   * @param read what {@link #read} returned
   * @return true unless it stands for null or still has to be decoded
   */
  public static boolean isFinished(Object read) {
    return read != NULL_VALUE && !(read instanceof Serialized);
  }

  /**
   * Completes {@link #read}: deserializes a {@link Serialized}, maps {@link #NULL_VALUE} to null.
   *
   * @param read what {@link #read} returned
   * @param loader resolves the classes of serialized values
   * @return the value
   * @throws UndecodableValueException if a serialized value cannot be read here
   */
  public static @Nullable Object finish(Object read, ClassLoader loader) {
    return finish(read, loader, null);
  }

  /**
   * Completes {@link #read}, decoding {@link #CUSTOM} values with {@code codec}.
   *
   * @param read what {@link #read} returned
   * @param loader resolves the classes of serialized values
   * @param codec the queue's codec, or null
   * @return the value
   * @throws UndecodableValueException if the value cannot be decoded here
   */
  public static @Nullable Object finish(Object read, ClassLoader loader, @Nullable Codec<?> codec) {
    if (read == NULL_VALUE) {
      return null;
    }
    if (!(read instanceof Serialized serialized)) {
      return read;
    }
    if (serialized.type == LIST) {
      try {
        return ListEncoding.decode(serialized.bytes);
      } catch (IllegalArgumentException e) {
        throw new UndecodableValueException("cannot decode a received list: " + e.getMessage(), e);
      }
    }
    if (serialized.type == CUSTOM) {
      if (codec == null) {
        throw new UndecodableValueException(
            "cannot decode a received value: it was encoded by a queue codec, and this handle has"
                + " none (was the queue re-created by name without its codec?)",
            new IllegalStateException("no codec"));
      }
      Object value;
      try {
        value = codec.decode(serialized.bytes);
      } catch (Exception e) {
        throw new UndecodableValueException(
            "cannot decode a received value with the queue's codec "
                + codec.getClass().getName()
                + ": "
                + e,
            e);
      }
      if (value == null) {
        throw new UndecodableValueException(
            "the codec " + codec.getClass().getName() + " decoded a value to null",
            new NullPointerException("decode returned null"));
      }
      return value;
    }
    if (serialized.type != SERIALIZED) {
      throw new UndecodableValueException(
          "cannot decode a received value: unknown type tag " + serialized.type,
          new IllegalArgumentException("tag " + serialized.type));
    }
    try {
      return JavaSerialization.deserialize(serialized.bytes, loader);
    } catch (InvalidClassException e) {
      throw new UndecodableValueException(
          "cannot decode a received value of class "
              + e.classname
              + ": "
              + e.getMessage()
              + " (rejected by the deserialization filter, or the class changed)",
          e);
    } catch (ClassNotFoundException e) {
      throw new UndecodableValueException(
          "cannot decode a received value: class "
              + e.getMessage()
              + " is not on this process's class path",
          e);
    } catch (IOException | RuntimeException e) {
      throw new UndecodableValueException("cannot decode a received value: " + e, e);
    }
  }

  private static byte[] copy(MemorySegment m, long offset, long length) {
    byte[] b = new byte[Math.toIntExact(length)];
    if (b.length > SMALL_COPY) {
      MemorySegment.copy(m, ValueLayout.JAVA_BYTE, offset, b, 0, b.length);
      return b;
    }
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      ARRAY_LONG.set(b, i, (long) SEGMENT_LONG.get(m, offset + i));
    }
    for (; i < b.length; i++) {
      b[i] = m.get(ValueLayout.JAVA_BYTE, offset + i);
    }
    return b;
  }
}
