package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.time.Duration;

/** What the process scenarios share: running the tutorial's program in a JVM of its own. */
final class ProcessScenarios {

  /** How long a program may run in all; each needs well under 15 s. */
  static final Duration PROGRAM_TIMEOUT = Duration.ofSeconds(90);

  private ProcessScenarios() {}

  /**
   * Runs {@code program}'s main in a fresh JVM, echoing its output (and its children's, which it
   * copies into its own) to {@code out}.
   */
  static ProgramOutput runProgram(Class<?> program, PrintStream out) throws Exception {
    out.println("(the program runs in a JVM of its own, so that its main thread really ends;");
    out.println(" its children are JVMs too: java -cp <class path> " + program.getName() + ")");
    return new ProgramOutput(ChildJvm.run(program, PROGRAM_TIMEOUT, out));
  }
}
