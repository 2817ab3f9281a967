package org.multiprocessing4j.internal.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Externalizable;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.UnserializableValueException;

/**
 * Java serialization of values sent to other processes, with a failure that says what could not be
 * serialized and through which fields it was reached.
 *
 * <p>The JDK's {@link NotSerializableException} names only the class. When it is thrown, this class
 * walks the object graph from the root (fields that serialization would write, the captured
 * arguments of serializable lambdas, and the elements of collections, maps and arrays) to find the
 * first path to an instance of that class, so the user sees {@code JvmProcess.target -> Task.lock
 * -> java.lang.Thread} instead of just {@code java.lang.Thread}.
 *
 * <p>Every value this class reads back from another process passes through one {@link
 * ObjectInputFilter} (a pool task in the compact lambda form of {@code internal.pool.TaskCodec},
 * which does not use this class, does not): the JVM-wide filter ({@code jdk.serialFilter}) when one
 * is set, otherwise the pattern of the system property {@code mp4j.serialFilter}, otherwise {@link
 * #DEFAULT_FILTER}. The peers are processes of the same user (sockets and shared-memory files are
 * private to it), so the filter is defence in depth against a confused or compromised peer, not the
 * only line.
 */
public final class JavaSerialization {

  /**
   * Limits that keep a malformed or hostile stream from exhausting the heap or the stack, and a few
   * classes known as deserialization gadgets.
   */
  public static final String DEFAULT_FILTER =
      "maxdepth=1000;maxrefs=50000000;"
          + "!org.apache.commons.collections.functors.*;"
          + "!org.apache.commons.collections4.functors.*;"
          + "!org.codehaus.groovy.runtime.*;"
          + "!com.sun.org.apache.xalan.internal.xsltc.trax.*;"
          + "!org.springframework.beans.factory.*";

  private static final ObjectInputFilter FILTER = chooseFilter();

  /** Upper bound on the objects visited while looking for the path to a bad value. */
  private static final int MAX_WALK = 100_000;

  private JavaSerialization() {}

  private static ObjectInputFilter chooseFilter() {
    ObjectInputFilter jvmWide = ObjectInputFilter.Config.getSerialFilter();
    if (jvmWide != null) {
      return jvmWide;
    }
    return ObjectInputFilter.Config.createFilter(
        System.getProperty("mp4j.serialFilter", DEFAULT_FILTER));
  }

  /**
   * Serializes a value.
   *
   * @param value the value
   * @param what how to name the value in an error, such as "the process target"
   * @return the serialized bytes
   * @throws UnserializableValueException if the value or something it refers to is not serializable
   */
  public static byte[] serialize(Object value, String what) {
    return write(value, what, null);
  }

  /**
   * Serializes a value, letting {@code replace} substitute objects on the way, as {@link
   * ObjectOutputStream#replaceObject} does: it sees each object once, after its own {@code
   * writeReplace} (so a serializable lambda arrives as its {@link
   * java.lang.invoke.SerializedLambda}), and returns it or what to write instead.
   *
   * @param value the value
   * @param what how to name the value in an error, such as "the process target"
   * @param replace the substitution; must return a serializable object or the one it was given
   * @return the serialized bytes
   * @throws UnserializableValueException if the value or something it refers to is not serializable
   */
  public static byte[] serialize(Object value, String what, UnaryOperator<Object> replace) {
    return write(value, what, replace);
  }

  private static byte[] write(Object value, String what, @Nullable UnaryOperator<Object> replace) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    try (ObjectOutputStream out =
        replace == null
            ? new ObjectOutputStream(bytes)
            : new ReplacingObjectOutputStream(bytes, replace)) {
      out.writeObject(value);
    } catch (NotSerializableException e) {
      String bad = e.getMessage() == null ? "?" : e.getMessage();
      String path = pathTo(value, bad);
      throw new UnserializableValueException(
          what
              + " cannot be sent to another process: "
              + bad
              + " is not serializable"
              + (path == null ? "" : " (reached through " + path + ")")
              + ". Make it Serializable, mark the field transient, or capture a serializable"
              + " value instead (a lambda captures 'this' when it uses a field or an instance"
              + " method of the enclosing object).",
          bad,
          e);
    } catch (InvalidClassException e) {
      throw new UnserializableValueException(
          what + " cannot be sent to another process: " + e.getMessage(),
          e.classname == null ? "?" : e.classname,
          e);
    } catch (IOException | RuntimeException e) {
      throw new UnserializableValueException(
          what + " cannot be sent to another process: " + e, value.getClass().getName(), e);
    }
    return bytes.toByteArray();
  }

  /**
   * Deserializes a value written by {@link #serialize}, through the filter.
   *
   * @param bytes the serialized form
   * @param loader the class loader to resolve classes with
   * @return the value
   * @throws java.io.InvalidClassException if the filter rejects a class, or a class changed
   * @throws IOException if the bytes are malformed
   * @throws ClassNotFoundException if a class of the value is missing here
   */
  public static Object deserialize(byte[] bytes, ClassLoader loader)
      throws IOException, ClassNotFoundException {
    try (ObjectInputStream in =
        new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
      return in.readObject();
    }
  }

  /** Hands every object written to a substitution function. */
  private static final class ReplacingObjectOutputStream extends ObjectOutputStream {
    private final UnaryOperator<Object> replace;

    ReplacingObjectOutputStream(ByteArrayOutputStream out, UnaryOperator<Object> replace)
        throws IOException {
      super(out);
      this.replace = replace;
      enableReplaceObject(true);
    }

    @Override
    protected Object replaceObject(Object obj) {
      return replace.apply(obj);
    }
  }

  /**
   * Resolves classes with a given loader rather than the "latest user-defined loader", and applies
   * the filter.
   */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(ByteArrayInputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
      setObjectInputFilter(FILTER);
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

  private record Node(Object value, String path) {}

  /**
   * Finds a field path from root to an object of the named class, or returns null.
   *
   * <p>Best effort: fields of classes whose module does not open them to us (the JDK's own) are not
   * followed, apart from collections, maps and arrays, whose elements are.
   */
  static @Nullable String pathTo(Object root, String badClassName) {
    IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Node> queue = new ArrayDeque<>();
    queue.add(new Node(root, simpleName(root.getClass())));
    while (!queue.isEmpty() && seen.size() < MAX_WALK) {
      Node node = queue.poll();
      Object v = node.value();
      if (seen.put(v, Boolean.TRUE) != null) {
        continue;
      }
      Class<?> c = v.getClass();
      if (c.getName().equals(badClassName)) {
        return node.path() + (node.path().endsWith(c.getName()) ? "" : " (" + c.getName() + ")");
      }
      if (!(v instanceof Serializable)) {
        continue;
      }
      if (c.isArray()) {
        if (!c.getComponentType().isPrimitive()) {
          int n = Array.getLength(v);
          for (int i = 0; i < n; i++) {
            Object e = Array.get(v, i);
            if (e != null) {
              queue.add(new Node(e, node.path() + "[" + i + "]"));
            }
          }
        }
        continue;
      }
      if (v instanceof Collection<?> coll) {
        int i = 0;
        for (Object e : coll) {
          if (e != null) {
            queue.add(new Node(e, node.path() + "[" + i + "]"));
          }
          i++;
        }
        continue;
      }
      if (v instanceof Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (e.getKey() != null) {
            queue.add(new Node(e.getKey(), node.path() + ".key(" + e.getKey() + ")"));
          }
          if (e.getValue() != null) {
            queue.add(new Node(e.getValue(), node.path() + "[" + e.getKey() + "]"));
          }
        }
        continue;
      }
      if (v instanceof Externalizable) {
        continue;
      }
      Object lambda = serializedLambda(v);
      if (lambda instanceof java.lang.invoke.SerializedLambda sl) {
        String name = sl.getImplClass().replace('/', '.') + "::" + sl.getImplMethodName();
        for (int i = 0; i < sl.getCapturedArgCount(); i++) {
          Object arg = sl.getCapturedArg(i);
          if (arg != null) {
            queue.add(new Node(arg, node.path() + " -> lambda " + name + " captured arg " + i));
          }
        }
        continue;
      }
      for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
        for (Field f : k.getDeclaredFields()) {
          int m = f.getModifiers();
          if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.getType().isPrimitive()) {
            continue;
          }
          try {
            f.setAccessible(true);
            Object fv = f.get(v);
            if (fv != null) {
              queue.add(new Node(fv, node.path() + " -> " + simpleName(k) + "." + f.getName()));
            }
          } catch (RuntimeException | IllegalAccessException e) {
            // Not open to us (a JDK class): stop here.
          }
        }
      }
    }
    return null;
  }

  private static @Nullable Object serializedLambda(Object v) {
    Class<?> c = v.getClass();
    if (!c.isSynthetic()) {
      return null;
    }
    try {
      Method m = c.getDeclaredMethod("writeReplace");
      m.setAccessible(true);
      return m.invoke(v);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static String simpleName(Class<?> c) {
    String n = c.getName();
    int dot = n.lastIndexOf('.');
    return dot < 0 ? n : n.substring(dot + 1);
  }
}
