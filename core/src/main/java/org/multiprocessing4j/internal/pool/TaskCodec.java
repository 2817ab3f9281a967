package org.multiprocessing4j.internal.pool;

import java.io.IOException;
import java.io.Serial;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.codec.JavaSerialization;

/**
 * The form in which a submitted task travels to a worker: a serializable lambda or method reference
 * whose captured values are all of the codec's simple types goes as its {@link SerializedLambda}'s
 * names and those values ({@link #LAMBDA}); anything else goes as Java serialization ({@link
 * #JAVA}). A task that carries no state at all is encoded once per class in the parent and decoded
 * once per distinct form in a worker.
 *
 * <pre>
 * payload = byte form (plus STATELESS_FLAG for a task without state),
 *   JAVA:   the task's Java serialization
 *   LAMBDA: long shapeId (numbered per parent JVM; a worker parses each shape once),
 *           block(string capturingClass, functionalInterfaceClass, functionalInterfaceMethodName,
 *                 functionalInterfaceMethodSignature, implClass, implMethodName,
 *                 implMethodSignature, instantiatedMethodType; int implMethodKind),
 *           value list of the captured arguments
 * </pre>
 */
final class TaskCodec {
  /*
   * Why
   *
   * JFR execution samples of PoolThroughput (2026-11-28) put about 40% of the parent's CPU in
   * serializing tasks and about 70% of each worker's in deserializing them, for a task such as
   * () -> 1: ObjectStream set-up, class descriptors, and SerializedLambda.readResolve's reflective
   * look-up of $deserializeLambda$, several to tens of microseconds per task. The LAMBDA form skips
   * the streams: the parent calls the lambda's writeReplace (the method serialization calls) and
   * writes the names as strings, the worker rebuilds the SerializedLambda and calls the capturing
   * class's $deserializeLambda$ (the method readResolve calls), both methods looked up once per
   * class. The result is the lambda serialization would make: same checks in $deserializeLambda$,
   * same captured values (the simple types are immutable, byte[] is copied as serialization copies
   * it).
   *
   * When the LAMBDA form is not used
   *
   * A captured value of another type (its class descriptors would need Java serialization anyway,
   * and its failure message names the path to a bad field), a class whose package is not open to
   * this module (its private writeReplace and $deserializeLambda$ are out of reach: named modules
   * that do not open the package), and anything not a lambda.
   *
   * Stateless tasks
   *
   * A lambda's proxy class is hidden and its only instance fields are its captured values. With
   * none, the instance has no state: its form depends on its class alone, and the instance a worker
   * decodes from it can run any number of tasks, since a lambda's 'this' is its enclosing instance
   * (absent when nothing is captured), never the proxy.
   */

  /** Payload forms. */
  static final byte JAVA = 1;

  static final byte LAMBDA = 2;

  /** Added to the form of a task without state: a worker may run the instance it decoded again. */
  static final int STATELESS_FLAG = 0x40;

  /** How many distinct stateless tasks a worker keeps decoded. */
  private static final int WORKER_CACHE = 16;

  private static final ClassValue<Boolean> STATELESS =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          return isStatelessClass(type);
        }
      };

  /** The form made for a stateless class, once made. */
  private static final ClassValue<AtomicReference<byte @Nullable []>> FORMS =
      new ClassValue<>() {
        @Override
        protected AtomicReference<byte @Nullable []> computeValue(Class<?> type) {
          return new AtomicReference<>();
        }
      };

  /** Numbers the lambda shapes of this JVM, so that a worker parses each shape once. */
  private static final AtomicLong SHAPE_IDS = new AtomicLong();

  /** A lambda class's shape id, names and implementation kind, encoded once. */
  private static final ClassValue<AtomicReference<byte @Nullable []>> SHAPES =
      new ClassValue<>() {
        @Override
        protected AtomicReference<byte @Nullable []> computeValue(Class<?> type) {
          return new AtomicReference<>();
        }
      };

  private TaskCodec() {}

  /** Returns whether instances of a class carry no state: a hidden class with no instance field. */
  static boolean isStateless(Class<?> type) {
    return STATELESS.get(type);
  }

  private static boolean isStatelessClass(Class<?> type) {
    if (!type.isHidden()) {
      return false;
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Encodes a task.
   *
   * @param what how to name the task in an error
   * @throws org.multiprocessing4j.UnserializableValueException if the task cannot be serialized
   */
  static byte[] encode(Object task, String what) {
    Class<?> type = task.getClass();
    if (!isStateless(type)) {
      return encodeFresh(task, what, false);
    }
    AtomicReference<byte @Nullable []> form = FORMS.get(type);
    byte[] bytes = form.get();
    if (bytes == null) {
      bytes = encodeFresh(task, what, true);
      form.set(bytes); // a race makes equal forms; either is right
    }
    return bytes; // never modified: sent as is
  }

  private static byte[] encodeFresh(Object task, String what, boolean stateless) {
    int flag = stateless ? STATELESS_FLAG : 0;
    byte[] lambda = encodeLambda(task, flag);
    if (lambda != null) {
      return lambda;
    }
    byte[] java = JavaSerialization.serialize(task, what);
    ByteSink s = new ByteSink(java.length + 1);
    s.putByte(JAVA | flag);
    s.putBytes(java);
    return s.toByteArray();
  }

  private static byte @Nullable [] encodeLambda(Object task, int flag) {
    Class<?> type = task.getClass();
    SerializedLambda l = SerializableLambdas.serializedForm(task);
    if (l == null) {
      return null;
    }
    int n = l.getCapturedArgCount();
    Object[] args = new Object[n];
    for (int i = 0; i < n; i++) {
      Object a = l.getCapturedArg(i);
      if (!ValueCodec.isSimple(a)) {
        return null;
      }
      args[i] = a;
    }
    AtomicReference<byte @Nullable []> shapeRef = SHAPES.get(type);
    byte[] shape = shapeRef.get();
    if (shape == null) {
      ByteSink s = new ByteSink(256);
      SerializableLambdas.Names names = SerializableLambdas.Names.of(l);
      for (String name : names.strings()) {
        s.putString(name);
      }
      s.putInt(names.implMethodKind());
      ByteSink idAndBlock = new ByteSink(s.size() + 12);
      idAndBlock.putLong(SHAPE_IDS.incrementAndGet());
      idAndBlock.putBlock(s.toByteArray());
      shape = idAndBlock.toByteArray();
      shapeRef.set(shape); // the same for every instance of a lambda class
    }
    // sized once: a task capturing a 1 KiB array grew its buffer twice, then copied it out
    long size = 1L + shape.length + ValueCodec.simpleListSize(args);
    ByteSink s = new ByteSink((int) Math.min(Integer.MAX_VALUE - 8, size));
    s.putByte(LAMBDA | flag);
    s.putBytes(shape); // its id, then its names as a block
    ValueCodec.writeList(s, Arrays.asList(args), "a captured value");
    return s.toByteArrayNoCopyIfFull();
  }

  /** A worker's decoder: remembers stateless tasks and lambda deserializers. Single-threaded. */
  static final class Decoder {
    private final ClassLoader loader;
    private final Map<Form, Object> known =
        new LinkedHashMap<>(32, 0.75f, true) {
          @Serial private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Form, Object> eldest) {
            return size() > WORKER_CACHE;
          }
        };
    private final Map<String, Method> deserializers = new HashMap<>();
    private final Map<Long, Shape> shapes = new HashMap<>();

    Decoder(ClassLoader loader) {
      this.loader = loader;
    }

    /** Decodes a task, or returns the instance decoded before from an equal stateless form. */
    Object decode(byte[] bytes) throws IOException {
      if (bytes.length == 0 || (bytes[0] & STATELESS_FLAG) == 0) {
        return decodeFresh(bytes);
      }
      Form key = new Form(bytes);
      Object o = known.get(key);
      if (o != null) {
        return o;
      }
      o = decodeFresh(bytes);
      if (isStateless(o.getClass())) { // as the parent said; checked again here
        known.put(key, o);
      }
      return o;
    }

    private Object decodeFresh(byte[] bytes) throws IOException {
      ByteSource in = new ByteSource(bytes);
      int form = in.getByte() & ~STATELESS_FLAG;
      if (form == JAVA) {
        return ValueCodec.deserialize(Arrays.copyOfRange(bytes, 1, bytes.length), loader);
      }
      if (form != LAMBDA) {
        throw new IOException("corrupt task form " + form);
      }
      long shapeId = in.getLong();
      Shape shape = shapes.get(shapeId);
      if (shape == null) {
        shape = shape(new ByteSource(in.getBlock()));
        shapes.put(shapeId, shape);
      } else {
        in.skipBlock();
      }
      List<@Nullable Object> args = ValueCodec.readList(in, loader);
      return SerializableLambdas.rebuild(shape.deserializer(), shape.names(), args.toArray());
    }

    private Shape shape(ByteSource in) throws IOException {
      String[] strings = new String[SerializableLambdas.Names.STRINGS];
      for (int i = 0; i < strings.length; i++) {
        strings[i] = in.getString();
      }
      SerializableLambdas.Names names = SerializableLambdas.Names.of(strings, in.getInt());
      return new Shape(deserializer(names.capturingClass()), names);
    }

    private Method deserializer(String capturing) throws IOException {
      Method m = deserializers.get(capturing);
      if (m != null) {
        return m;
      }
      try {
        m =
            SerializableLambdas.deserializer(
                Class.forName(capturing.replace('/', '.'), false, loader));
      } catch (ClassNotFoundException e) {
        throw new IOException("class not found: " + e.getMessage(), e);
      }
      deserializers.put(capturing, m);
      return m;
    }
  }

  /** A lambda's names, parsed once per worker, and its capturing class's deserializer. */
  private record Shape(Method deserializer, SerializableLambdas.Names names) {}

  /** Bytes compared by content. */
  private static final class Form {
    private final byte[] bytes;
    private final int hash;

    Form(byte[] bytes) {
      this.bytes = bytes;
      this.hash = Arrays.hashCode(bytes);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Form f && f.hash == hash && Arrays.equals(f.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
