package org.multiprocessing4j.internal.os;

import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaConversionException;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Replaces the JVM's handler of a termination signal ({@code TERM}, {@code INT}, {@code HUP}),
 * through {@code sun.misc.Signal} from the {@code jdk.unsupported} module.
 *
 * <p>Reached by reflection so that javac's unsuppressible "internal proprietary API" warning does
 * not break a {@code -Werror} build; the API has been stable since JDK 1.x and is what the JDK
 * itself uses for the same job. The handler object is made by {@link LambdaMetafactory}, as javac
 * makes a lambda, rather than by {@link java.lang.reflect.Proxy}: a child installs its handlers
 * while it starts, and a JVM's first proxy class (a dynamic module, a generated class) costs it 50
 * to 100 ms more than one more lambda class.
 */
public final class Signals {

  private Signals() {}

  /** The last signal a handler installed here received; 0 if none. */
  private static volatile int received;

  /**
   * Returns the number of the last termination signal that a handler installed by {@link #handle}
   * received, or 0 if none did: how shutdown hooks tell an exit forced by a signal from a normal
   * one.
   */
  public static int received() {
    return received;
  }

  /**
   * Installs {@code handler} for the named signal; it receives the signal number, on a thread the
   * JVM creates for the purpose.
   *
   * @param name a signal name without the SIG prefix, such as {@code TERM}
   * @param handler what to do
   * @return true if installed; false if the JVM reserves the signal (for example under {@code
   *     -Xrs}) or the API is missing
   */
  public static boolean handle(String name, IntConsumer handler) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object instance = factory(signal, handlerType).invoke(handler);
      Object sig = signal.getConstructor(String.class).newInstance(name);
      signal.getMethod("handle", signal, handlerType).invoke(null, sig, instance);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    } catch (Throwable t) {
      return false; // from invoking the factory, which throws nothing of its own
    }
  }

  private static volatile @Nullable MethodHandle factory;

  /** Returns {@code (IntConsumer) -> SignalHandler}, spinning its class once per JVM. */
  private static MethodHandle factory(Class<?> signal, Class<?> handlerType)
      throws ReflectiveOperationException, LambdaConversionException {
    MethodHandle f = factory;
    if (f == null) {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      MethodHandle number =
          lookup
              .findVirtual(signal, "getNumber", MethodType.methodType(int.class))
              .asType(MethodType.methodType(int.class, Object.class));
      MethodHandle dispatch =
          lookup.findStatic(
              Signals.class,
              "dispatch",
              MethodType.methodType(
                  void.class, IntConsumer.class, MethodHandle.class, Object.class));
      MethodType handle = MethodType.methodType(void.class, signal);
      CallSite site =
          LambdaMetafactory.metafactory(
              lookup,
              "handle",
              MethodType.methodType(handlerType, IntConsumer.class, MethodHandle.class),
              handle,
              dispatch,
              handle);
      f = MethodHandles.insertArguments(site.getTarget(), 1, number);
      factory = f;
    }
    return f;
  }

  /** The handler's body: {@code number} is {@code Signal.getNumber()}, typed for an Object. */
  @SuppressWarnings("UnusedMethod") // found by name, for the LambdaMetafactory
  private static void dispatch(IntConsumer handler, MethodHandle number, Object signal)
      throws Throwable {
    int signo = (int) number.invokeExact(signal);
    received = signo;
    handler.accept(signo);
  }
}
