package org.multiprocessing4j.internal.pool;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * What Java serialization does to a serializable lambda, without its object streams: the lambda's
 * {@code writeReplace} on the sending side, the capturing class's {@code $deserializeLambda$} on
 * the receiving side (which checks the names against the lambdas that class really has). Used by
 * the local pool's task form and by the RabbitMQ module's, which send the names and captured values
 * each in their own way.
 */
public final class SerializableLambdas {

  private static final Module MODULE = SerializableLambdas.class.getModule();

  /** A lambda class's writeReplace made accessible: one element, or none when out of reach. */
  private static final ClassValue<Method[]> WRITE_REPLACE =
      new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
          Method m = writeReplaceOf(type);
          return m == null ? new Method[0] : new Method[] {m};
        }
      };

  private SerializableLambdas() {}

  private static @Nullable Method writeReplaceOf(Class<?> type) {
    if (!type.isHidden() || !type.getModule().isOpen(type.getPackageName(), MODULE)) {
      return null;
    }
    try {
      Method m = type.getDeclaredMethod("writeReplace");
      if (m.getReturnType() != Object.class) {
        return null;
      }
      m.setAccessible(true);
      return m;
    } catch (NoSuchMethodException | RuntimeException e) {
      return null; // not a serializable lambda, or out of reach: Java serialization
    }
  }

  /**
   * Returns what serialization would write for a serializable lambda, or null for anything else and
   * for a lambda whose package is not open to this module (then Java-serialize it).
   */
  public static @Nullable SerializedLambda serializedForm(Object o) {
    Method[] wr = WRITE_REPLACE.get(o.getClass());
    if (wr.length == 0) {
      return null;
    }
    try {
      return wr[0].invoke(o) instanceof SerializedLambda sl ? sl : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // serialization will report it
    }
  }

  /**
   * Returns a capturing class's {@code $deserializeLambda$}, made accessible.
   *
   * @throws IOException if the class has none (no serializable lambda), or it is out of reach
   */
  public static Method deserializer(Class<?> capturing) throws IOException {
    try {
      Method m = capturing.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
      m.setAccessible(true);
      return m;
    } catch (NoSuchMethodException | RuntimeException e) {
      throw new IOException(
          "cannot rebuild a lambda of " + capturing.getName() + " in this process: " + e, e);
    }
  }

  /**
   * Rebuilds a lambda as deserialization would.
   *
   * @param deserializer the capturing class's, from {@link #deserializer}
   * @param names the lambda's names
   * @param args its captured values
   * @throws IOException if the capturing class has no lambda of these names, or it fails
   */
  public static Object rebuild(Method deserializer, Names names, @Nullable Object[] args)
      throws IOException {
    String capturing = deserializer.getDeclaringClass().getName();
    SerializedLambda l =
        new SerializedLambda(
            deserializer.getDeclaringClass(),
            names.functionalInterfaceClass(),
            names.functionalInterfaceMethodName(),
            names.functionalInterfaceMethodSignature(),
            names.implMethodKind(),
            names.implClass(),
            names.implMethodName(),
            names.implMethodSignature(),
            names.instantiatedMethodType(),
            args);
    try {
      Object task = deserializer.invoke(null, l);
      if (task == null) {
        throw new InvalidObjectException("$deserializeLambda$ of " + capturing + " gave null");
      }
      return task;
    } catch (InvocationTargetException e) {
      Throwable c = e.getCause();
      throw new IOException(
          "cannot rebuild the lambda of " + capturing + ": " + (c == null ? e : c), c);
    } catch (IllegalAccessException e) {
      throw new IOException("cannot rebuild the lambda of " + capturing + ": " + e, e);
    }
  }

  /**
   * A serializable lambda's names: what {@link SerializedLambda} holds besides its captured values,
   * the same for every instance of one lambda class. Each task form writes {@link #strings()} in
   * their order, then {@link #implMethodKind()}, and reads them back with {@link #of(String[],
   * int)}.
   */
  public record Names(
      String capturingClass,
      String functionalInterfaceClass,
      String functionalInterfaceMethodName,
      String functionalInterfaceMethodSignature,
      String implClass,
      String implMethodName,
      String implMethodSignature,
      String instantiatedMethodType,
      int implMethodKind) {

    /** How many strings {@link #strings()} returns. */
    public static final int STRINGS = 8;

    /** Returns a lambda's names. */
    public static Names of(SerializedLambda l) {
      return new Names(
          l.getCapturingClass(),
          l.getFunctionalInterfaceClass(),
          l.getFunctionalInterfaceMethodName(),
          l.getFunctionalInterfaceMethodSignature(),
          l.getImplClass(),
          l.getImplMethodName(),
          l.getImplMethodSignature(),
          l.getInstantiatedMethodType(),
          l.getImplMethodKind());
    }

    /**
     * Returns names read back in the order of {@link #strings()}.
     *
     * @throws IllegalArgumentException if there are not {@value #STRINGS} strings
     */
    public static Names of(String[] strings, int implMethodKind) {
      if (strings.length != STRINGS) {
        throw new IllegalArgumentException("expected " + STRINGS + " names, got " + strings.length);
      }
      return new Names(
          strings[0],
          strings[1],
          strings[2],
          strings[3],
          strings[4],
          strings[5],
          strings[6],
          strings[7],
          implMethodKind);
    }

    /** Returns the strings in the order a task form writes them. */
    public String[] strings() {
      return new String[] {
        capturingClass,
        functionalInterfaceClass,
        functionalInterfaceMethodName,
        functionalInterfaceMethodSignature,
        implClass,
        implMethodName,
        implMethodSignature,
        instantiatedMethodType
      };
    }
  }
}
