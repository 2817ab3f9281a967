package org.multiprocessing4j.internal.os;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.IntConsumer;

/**
 * Replaces the JVM's handler of a termination signal ({@code TERM}, {@code INT}, {@code HUP}),
 * through {@code sun.misc.Signal} from the {@code jdk.unsupported} module.
 *
 * <p>Reached by reflection so that javac's unsuppressible "internal proprietary API" warning does
 * not break a {@code -Werror} build; the API has been stable since JDK 1.x and is what the JDK
 * itself uses for the same job.
 */
public final class Signals {

  private Signals() {}

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
      Object sig = signal.getConstructor(String.class).newInstance(name);
      Method number = signal.getMethod("getNumber");
      Object proxy =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (p, m, args) -> {
                if (m.getName().equals("handle") && args != null && args.length == 1) {
                  handler.accept((int) number.invoke(args[0]));
                  return null;
                }
                return switch (m.getName()) {
                  case "hashCode" -> System.identityHashCode(p);
                  case "equals" -> args != null && p == args[0];
                  case "toString" -> "mp4j handler for SIG" + name;
                  default -> null;
                };
              });
      signal.getMethod("handle", signal, handlerType).invoke(null, sig, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
