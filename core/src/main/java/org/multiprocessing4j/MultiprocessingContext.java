package org.multiprocessing4j;

/**
 * Creates processes (and, as the library grows, queues, locks and pools) and owns their resources,
 * as Python's {@code multiprocessing} context objects do.
 *
 * <p>{@link Multiprocessing#local()} is the default context of this JVM; {@link
 * Multiprocessing#newLocalContext(ProcessOptions)} makes one with its own defaults. The same user
 * code runs on any context.
 */
public interface MultiprocessingContext extends AutoCloseable {

  /**
   * Returns the options every process created by this context starts with.
   *
   * @return the default options
   */
  ProcessOptions defaults();

  /**
   * Creates a process that will run {@code target}, with this context's defaults. Not started.
   *
   * @param target the code to run in the child; serializable
   * @return a new, unstarted process
   */
  JvmProcess process(ProcessTarget target);

  /**
   * Creates a process that will run {@code target} with one argument, as Python's {@code
   * ctx.Process(target=f, args=(a,))}. Not started.
   *
   * @param target the code to run in the child; serializable
   * @param arg its argument; serializable
   * @param <A> the argument's type
   * @return a new, unstarted process
   */
  <A> JvmProcess process(ProcessTarget.Arg1<A> target, A arg);

  /**
   * Kills the processes this context created that are still running, and releases the context's
   * resources. Idempotent. The default context ({@link Multiprocessing#local()}) cannot be closed;
   * closing it does nothing.
   */
  @Override
  void close();
}
