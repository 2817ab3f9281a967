package org.multiprocessing4j.rabbitmq.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.UndecodableValueException;
import org.multiprocessing4j.internal.pool.SerializableLambdas;

/**
 * A pool task that is a serializable lambda capturing only simple values, sent as its {@link
 * SerializedLambda}'s names and those values instead of its Java serialization; anything else is
 * Java-serialized by the {@link Codec}.
 *
 * <pre>
 *  byte 'L' (a Java serialization stream starts with 0xAC 0xED, so the forms cannot be mistaken)
 *  UTF capturingClass | UTF functionalInterfaceClass | UTF functionalInterfaceMethodName
 *  UTF functionalInterfaceMethodSignature | UTF implClass | UTF implMethodName
 *  UTF implMethodSignature | UTF instantiatedMethodType | int implMethodKind
 *  int n | n captured values, each: byte codec tag (NULL to BOOLEAN of {@link Codec}) | int length
 *  | length bytes
 * </pre>
 */
final class LambdaForm {
  /*
   * Why
   *
   * JFR samples of RabbitPoolBench (2026-11-28, 1 ms period, warm): a node's worker JVM spent
   * about half of its Java samples in ObjectInputStream reading a task such as () -> bytes (class
   * descriptors of SerializedLambda and of the capturing class, the filter, readResolve's
   * reflective look-up of $deserializeLambda$), and ObjectInputStream's set-up and buffers were
   * 54% of its allocation; the submitter's ObjectOutputStream was 6% of the bench JVM's samples and
   * 26% of its allocation. This form does what those streams do for such a lambda: the submitter
   * calls the lambda's writeReplace (the method serialization calls), the worker rebuilds the
   * SerializedLambda and calls the capturing class's $deserializeLambda$ (the method readResolve
   * calls), which checks the names against the lambdas that class really has.
   *
   * The allow-list still decides
   *
   * The worker asks the same ObjectInputFilter the stream would have asked, with the classes the
   * stream would have shown it: SerializedLambda, the capturing class, and each captured value's
   * class (a byte array with its length, so maxarray holds). A class it rejects fails the task
   * with the same message as through the stream. The envelope's signature is checked before any
   * of this, as before.
   *
   * When it is not used
   *
   * Anything not a lambda (a map chunk, a user's class), a lambda capturing a value of another
   * type (its class needs the stream's descriptors and its fields the filter's walk), and a lambda
   * whose class this module cannot reach (a named module that does not open its package): those
   * are Java-serialized as before.
   */

  static final byte MARK = 'L';

  private LambdaForm() {}

  /** A lambda class's names, encoded once: the part of the form every instance shares. */
  private static final ClassValue<AtomicReference<byte @Nullable []>> NAMES =
      new ClassValue<>() {
        @Override
        protected AtomicReference<byte @Nullable []> computeValue(Class<?> type) {
          return new AtomicReference<>(); // filled by encode: the names come from an instance
        }
      };

  /** Capturing classes' {@code $deserializeLambda$}, by loader and class name. */
  private static final Map<Key, Method> DESERIALIZERS = new ConcurrentHashMap<>();

  private record Key(ClassLoader loader, String name) {}

  /** Returns whether a task's bytes are in this form. */
  static boolean isLambdaForm(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == MARK;
  }

  /** Returns a task in this form, or null if it cannot go in this form (then Java-serialize it). */
  static byte @Nullable [] encode(Object task) {
    SerializedLambda l = SerializableLambdas.serializedForm(task);
    if (l == null) {
      return null; // not a lambda, or out of reach: the stream
    }
    int n = l.getCapturedArgCount();
    int size = 0;
    for (int i = 0; i < n; i++) {
      Object a = l.getCapturedArg(i);
      if (!Codec.isSimple(a)) {
        return null;
      }
      size += a instanceof byte[] b ? b.length : a instanceof String s ? 3 * s.length() : 8;
    }
    AtomicReference<byte @Nullable []> namesRef = NAMES.get(task.getClass());
    byte[] names = namesRef.get();
    if (names == null) {
      names = names(l);
      namesRef.set(names); // the same for every instance of a lambda class
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream(names.length + 8 + 5 * n + size);
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.write(names);
      out.writeInt(n);
      Codec codec = SIMPLE;
      for (int i = 0; i < n; i++) {
        Codec.Encoded e = codec.encode(l.getCapturedArg(i));
        out.writeByte(e.tag());
        out.writeInt(e.bytes().length);
        out.write(e.bytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by a byte array
    }
    return b.toByteArray();
  }

  /** Encodes simple values only: its allow-list is never asked. */
  private static final Codec SIMPLE = new Codec(java.util.List.of());

  private static byte[] names(SerializedLambda l) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(512);
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeByte(MARK);
      SerializableLambdas.Names names = SerializableLambdas.Names.of(l);
      for (String name : names.strings()) {
        out.writeUTF(name);
      }
      out.writeInt(names.implMethodKind());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not thrown by a byte array
    }
    return b.toByteArray();
  }

  /**
   * Rebuilds a task from this form, asking the codec's allow-list about every class the Java stream
   * would have shown it.
   *
   * @throws UndecodableValueException if the form is malformed, a class is not on the allow-list or
   *     not here, or the capturing class has no such lambda
   */
  static Object decode(byte[] bytes, Codec codec, ClassLoader loader) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readByte() != MARK) {
        throw new IOException("not a lambda form");
      }
      String[] strings = new String[SerializableLambdas.Names.STRINGS];
      for (int i = 0; i < strings.length; i++) {
        strings[i] = in.readUTF();
      }
      SerializableLambdas.Names names = SerializableLambdas.Names.of(strings, in.readInt());
      int n = in.readInt();
      if (n < 0 || n > in.available()) {
        throw new IOException("bad count of captured values " + n);
      }
      codec.checkAllowed(SerializedLambda.class, -1);
      Method d = deserializer(names.capturingClass(), codec, loader);
      @Nullable Object[] args = new Object[n];
      for (int i = 0; i < n; i++) {
        int tag = in.readByte();
        int length = in.readInt();
        if (length < 0 || length > in.available() || tag < Codec.NULL || tag > Codec.BOOLEAN) {
          throw new IOException("bad captured value: tag " + tag + ", length " + length);
        }
        byte[] v = in.readNBytes(length);
        Object a = codec.decode(tag, v, null, loader);
        if (a != null) {
          codec.checkAllowed(a.getClass(), a instanceof byte[] ab ? ab.length : -1);
        }
        args[i] = a;
      }
      return SerializableLambdas.rebuild(d, names, args);
    } catch (IOException e) {
      throw new UndecodableValueException("cannot decode a received item: " + e.getMessage(), e);
    }
  }

  /** Resolves a capturing class (not initialized) and asks the allow-list about it. */
  private static Method deserializer(String capturing, Codec codec, ClassLoader loader)
      throws IOException {
    Key key = new Key(loader, capturing);
    Method m = DESERIALIZERS.get(key);
    if (m != null) {
      codec.checkAllowed(m.getDeclaringClass(), -1);
      return m;
    }
    String name = capturing.replace('/', '.');
    Class<?> c;
    try {
      c = Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new UndecodableValueException(
          "cannot decode a received item: class " + name + " is not on this process's class path",
          e);
    }
    codec.checkAllowed(c, -1);
    m = SerializableLambdas.deserializer(c);
    DESERIALIZERS.put(key, m);
    return m;
  }
}
