package org.multiprocessing4j.rabbitmq.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.UndecodableValueException;
import org.multiprocessing4j.UnserializableValueException;

/**
 * Encodes items for the broker and decodes them after their envelope was checked.
 *
 * <p>Strings, {@code byte[]}, and boxed {@code int}, {@code long}, {@code double} and {@code
 * boolean} have a compact big-endian encoding (items may cross hosts of any byte order); anything
 * else is Java-serialized, and read back only through an allow-list {@link ObjectInputFilter}.
 *
 * <p>While a value is serialized here, {@link #overBroker()} is true on that thread: queue handles
 * inside it then leave their secrets behind (see {@link QueueRef}). While one is deserialized,
 * {@link #decodingContext()} is the context that received it, which such handles attach to.
 */
final class Codec {

  static final int NULL = 0;
  static final int STRING = 1;
  static final int BYTES = 2;
  static final int INT = 3;
  static final int LONG = 4;
  static final int DOUBLE = 5;
  static final int BOOLEAN = 6;
  static final int SERIALIZED = 7;

  /** Always allowed, before the user's patterns. */
  static final String BASE_ALLOWED =
      "java.lang.*;java.util.*;java.time.*;java.math.*;org.multiprocessing4j.**";

  private static final ThreadLocal<@Nullable Boolean> OVER_BROKER = new ThreadLocal<>();
  private static final ThreadLocal<@Nullable RabbitContextImpl> DECODING = new ThreadLocal<>();
  private static final ThreadLocal<@Nullable String> REJECTED_CLASS = new ThreadLocal<>();
  private static final ThreadLocal<@Nullable Settings> DECODING_SETTINGS = new ThreadLocal<>();

  private final ObjectInputFilter filter;

  Codec(List<String> allowed) {
    StringBuilder p =
        new StringBuilder("maxdepth=200;maxrefs=10000000;maxarray=100000000;").append(BASE_ALLOWED);
    for (String a : allowed) {
      p.append(';').append(a);
    }
    p.append(";!*");
    ObjectInputFilter patterns = ObjectInputFilter.Config.createFilter(p.toString());
    this.filter =
        info -> {
          ObjectInputFilter.Status s = patterns.checkInput(info);
          Class<?> c = info.serialClass();
          if (s == ObjectInputFilter.Status.REJECTED && c != null) {
            REJECTED_CLASS.set(c.getName()); // the JDK's exception does not name it
          }
          return s;
        };
  }

  /** A tag and its bytes. */
  @SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
  record Encoded(int tag, byte[] bytes) {}

  static boolean overBroker() {
    return Boolean.TRUE.equals(OVER_BROKER.get());
  }

  static @Nullable RabbitContextImpl decodingContext() {
    RabbitContextImpl c = DECODING.get();
    if (c == null) {
      Settings s = DECODING_SETTINGS.get();
      if (s != null) {
        c = RabbitContexts.attach(s); // a pool worker: connect only if a queue handle needs it
      }
    }
    return c;
  }

  /**
   * Decodes a checked payload in a pool worker process, which has the settings but no context yet:
   * a queue handle inside the value attaches to (and if need be connects) this JVM's context.
   */
  @Nullable Object decodeInWorker(int tag, byte[] b, Settings settings, ClassLoader loader) {
    DECODING_SETTINGS.set(settings);
    try {
      return decode(tag, b, null, loader);
    } finally {
      DECODING_SETTINGS.remove();
    }
  }

  /**
   * Returns whether a value has a compact encoding of its own (a tag from {@link #NULL} to {@link
   * #BOOLEAN}), not Java serialization.
   */
  static boolean isSimple(@Nullable Object value) {
    return value == null
        || value instanceof String
        || value instanceof byte[]
        || value instanceof Integer
        || value instanceof Long
        || value instanceof Double
        || value instanceof Boolean;
  }

  Encoded encode(@Nullable Object value) {
    return switch (value) {
      case null -> new Encoded(NULL, new byte[0]);
      case String s -> new Encoded(STRING, s.getBytes(StandardCharsets.UTF_8));
      case byte[] b -> new Encoded(BYTES, b);
      case Integer i -> new Encoded(INT, ByteBuffer.allocate(4).putInt(i).array());
      case Long l -> new Encoded(LONG, ByteBuffer.allocate(8).putLong(l).array());
      case Double d -> new Encoded(DOUBLE, ByteBuffer.allocate(8).putDouble(d).array());
      case Boolean b -> new Encoded(BOOLEAN, new byte[] {(byte) (b ? 1 : 0)});
      default -> new Encoded(SERIALIZED, serialize(value));
    };
  }

  private static byte[] serialize(Object value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    OVER_BROKER.set(Boolean.TRUE);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      String bad = String.valueOf(e.getMessage());
      throw new UnserializableValueException(
          "the item cannot be sent through the broker: "
              + bad
              + " is not serializable (make it Serializable, or mark the field transient)",
          bad,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnserializableValueException(
          "the item cannot be sent through the broker: " + e, value.getClass().getName(), e);
    } finally {
      OVER_BROKER.remove();
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a checked payload.
   *
   * @throws UndecodableValueException if it cannot be decoded here (malformed, a class the filter
   *     rejects, or a class missing here)
   */
  @Nullable Object decode(
      int tag, byte[] b, @Nullable RabbitContextImpl context, ClassLoader loader) {
    try {
      return switch (tag) {
        case NULL -> null;
        case STRING -> new String(b, StandardCharsets.UTF_8);
        case BYTES -> b;
        case INT -> ByteBuffer.wrap(b).getInt();
        case LONG -> ByteBuffer.wrap(b).getLong();
        case DOUBLE -> ByteBuffer.wrap(b).getDouble();
        case BOOLEAN -> b[0] != 0;
        case SERIALIZED -> deserialize(b, context, loader);
        default ->
            throw new UndecodableValueException(
                "cannot decode a received item: unknown codec tag " + tag,
                new IllegalArgumentException("tag " + tag));
      };
    } catch (RuntimeException e) {
      if (e instanceof UndecodableValueException u) {
        throw u;
      }
      throw new UndecodableValueException("cannot decode a received item: " + e, e);
    }
  }

  private @Nullable Object deserialize(
      byte[] b, @Nullable RabbitContextImpl context, ClassLoader loader) {
    RabbitContextImpl previous = DECODING.get();
    if (context != null) {
      DECODING.set(context);
    }
    try (ObjectInputStream in = new FilteredStream(new ByteArrayInputStream(b), loader, filter)) {
      return in.readObject();
    } catch (InvalidClassException e) {
      String rejected = REJECTED_CLASS.get();
      if (rejected != null) {
        throw notAllowed(rejected, e);
      }
      throw new UndecodableValueException(
          "cannot decode a received item of class " + e.classname + ": " + e.getMessage(), e);
    } catch (ClassNotFoundException e) {
      throw new UndecodableValueException(
          "cannot decode a received item: class "
              + e.getMessage()
              + " is not on this process's class path",
          e);
    } catch (IOException e) {
      throw new UndecodableValueException("cannot decode a received item: " + e, e);
    } finally {
      REJECTED_CLASS.remove();
      if (previous == null) {
        DECODING.remove();
      } else {
        DECODING.set(previous);
      }
    }
  }

  /**
   * Asks the allow-list about a class as an object stream would when it meets one (used where a
   * value is rebuilt without a stream, see {@link LambdaForm}).
   *
   * @param arrayLength the length of an array of that class, or -1
   * @throws UndecodableValueException if the filter rejects it
   */
  void checkAllowed(Class<?> c, long arrayLength) {
    ObjectInputFilter.FilterInfo info =
        new ObjectInputFilter.FilterInfo() {
          @Override
          public Class<?> serialClass() {
            return c;
          }

          @Override
          public long arrayLength() {
            return arrayLength;
          }

          @Override
          public long depth() {
            return 1;
          }

          @Override
          public long references() {
            return 1;
          }

          @Override
          public long streamBytes() {
            return 0;
          }
        };
    ObjectInputFilter.Status s;
    try {
      s = filter.checkInput(info);
    } finally {
      REJECTED_CLASS.remove();
    }
    if (s == ObjectInputFilter.Status.REJECTED) {
      throw notAllowed(
          c.getName(), new InvalidClassException(c.getName(), "filter status: REJECTED"));
    }
  }

  private static UndecodableValueException notAllowed(String className, Throwable cause) {
    return new UndecodableValueException(
        "cannot decode a received item: class "
            + className
            + " is not on the allow-list of deserialization (allow it with"
            + " RabbitContext.Builder.allowClasses in every process that reads it)",
        cause);
  }

  private static final class FilteredStream extends ObjectInputStream {
    private final ClassLoader loader;

    FilteredStream(ByteArrayInputStream in, ClassLoader loader, ObjectInputFilter filter)
        throws IOException {
      super(in);
      this.loader = loader;
      setObjectInputFilter(filter);
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}
