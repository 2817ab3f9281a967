package org.multiprocessing4j;

import java.io.Serializable;

/**
 * The code a {@link JvmProcess} runs in its child JVM: Python's {@code target=}.
 *
 * <p>A target travels to the child with Java serialization, so a lambda or method reference must be
 * serializable (this interface makes it so) and everything it captures must be too. An
 * unserializable capture fails {@link JvmProcess#start()} with an {@link
 * UnserializableValueException} naming the class and the field path.
 *
 * <p>An exception thrown by {@link #run()} ends the child with exit code 1; the child prints the
 * stack trace to its standard error and the parent can read it from {@link JvmProcess#failure()}.
 */
@FunctionalInterface
public interface ProcessTarget extends Serializable {

  /**
   * Runs the target in the child process.
   *
   * @throws Exception anything; it ends the child with exit code 1
   */
  void run() throws Exception;

  /**
   * A target taking one argument, as in Python's {@code Process(target=f, args=(a,))}.
   *
   * @param <A> the argument's type; the argument must be serializable
   */
  @FunctionalInterface
  interface Arg1<A> extends Serializable {
    /**
     * Runs the target with its argument.
     *
     * @param a the argument given to {@link JvmProcess#JvmProcess(Arg1, Object)}
     * @throws Exception anything; it ends the child with exit code 1
     */
    void run(A a) throws Exception;
  }

  /**
   * A target taking two arguments, as in Python's {@code Process(target=f, args=(a, b))}.
   *
   * @param <A> the first argument's type; it must be serializable
   * @param <B> the second argument's type; it must be serializable
   */
  @FunctionalInterface
  interface Arg2<A, B> extends Serializable {
    /**
     * Runs the target with its arguments.
     *
     * @param a the first argument
     * @param b the second argument
     * @throws Exception anything; it ends the child with exit code 1
     */
    void run(A a, B b) throws Exception;
  }
}
