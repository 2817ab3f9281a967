package org.multiprocessing4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

/** A {@link PrintStream} whose text the test reads back. */
final class CapturedOutput {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream stream = new PrintStream(bytes, true, UTF_8);

  PrintStream stream() {
    return stream;
  }

  String text() {
    stream.flush();
    return bytes.toString(UTF_8);
  }

  List<String> lines() {
    return text().lines().toList();
  }
}
