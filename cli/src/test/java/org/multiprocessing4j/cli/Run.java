package org.multiprocessing4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.multiprocessing4j.examples.Scenario;

/** One execution of {@code mp4j} with captured standard output and error. */
record Run(int exitCode, String out, String err) {

  static Run mp4j(List<Scenario> scenarios, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream outStream = new PrintStream(out, true, UTF_8);
    PrintStream errStream = new PrintStream(err, true, UTF_8);
    int exitCode = Mp4j.commandLine(outStream, errStream, scenarios).execute(args);
    outStream.flush();
    errStream.flush();
    return new Run(exitCode, out.toString(UTF_8), err.toString(UTF_8));
  }
}
