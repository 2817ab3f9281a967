package org.multiprocessing4j;

/**
 * The two ends of a pipe between processes, as returned by Python's {@code Pipe()}: {@code
 * multiprocessing.Pipe(duplex)} is {@link MultiprocessingContext#pipe(boolean)}.
 *
 * {@snippet :
 * Pipe pipe = Multiprocessing.local().pipe();
 * Connection child = pipe.second();
 * JvmProcess p = new JvmProcess(() -> child.send("hello from " + JvmProcess.current().pid()));
 * p.start();
 * System.out.println(pipe.first().recv());   // "hello from ..."
 * p.join();
 * }
 *
 * @param first the first end; in a one-way pipe, it can only receive
 * @param second the second end; in a one-way pipe, it can only send
 */
public record Pipe(Connection first, Connection second) {

  /**
   * Pairs two ends.
   *
   * @param first the first end
   * @param second the second end
   */
  public Pipe {
    java.util.Objects.requireNonNull(first, "first");
    java.util.Objects.requireNonNull(second, "second");
  }
}
