package org.multiprocessing4j.internal.os;

import java.util.function.IntConsumer;

/**
 * Replaces the JVM's handler of a termination signal ({@code TERM}, {@code INT}, {@code HUP}),
 * through {@code sun.misc.Signal} from the {@code jdk.unsupported} module.
 *
 * <p>The API has been stable since JDK 1.x and is what the JDK itself uses for the same job. javac
 * warns at every use of it ("internal proprietary API"), which {@code -Werror} turns into an error
 * and which no {@code @SuppressWarnings} silences on JDK 25; the core module compiles with {@code
 * -XDignore.symbol.file}, which stops javac flagging it. The handler is a plain class: a child
 * installs its handlers while it starts, and a class made at run time (the {@code
 * LambdaMetafactory} class over the API reached by reflection, as this used to make, or a {@link
 * java.lang.reflect.Proxy}) cost it 20 to 100 ms more.
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
      sun.misc.Signal.handle(new sun.misc.Signal(name), new Handler(handler));
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      return false;
    }
  }

  /** Records the signal's number, then hands it to the installed handler. */
  private static final class Handler implements sun.misc.SignalHandler {
    private final IntConsumer handler;

    Handler(IntConsumer handler) {
      this.handler = handler;
    }

    @Override
    public void handle(sun.misc.Signal signal) {
      int signo = signal.getNumber();
      received = signo;
      handler.accept(signo);
    }
  }
}
