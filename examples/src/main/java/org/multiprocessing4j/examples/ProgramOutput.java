package org.multiprocessing4j.examples;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * Queries over what a program run by {@link ChildJvm} printed, for the process scenarios: where a
 * line is, when it arrived, and the time between two lines.
 */
final class ProgramOutput {

  private final ChildJvm.Result result;

  ProgramOutput(ChildJvm.Result result) {
    this.result = result;
  }

  List<String> texts() {
    return result.texts();
  }

  int exitCode() {
    return result.exitCode();
  }

  /** Returns the index of the first line starting with {@code prefix}, or -1. */
  int indexOf(String prefix) {
    List<String> texts = result.texts();
    for (int i = 0; i < texts.size(); i++) {
      if (texts.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  boolean has(String prefix) {
    return indexOf(prefix) >= 0;
  }

  /** Returns the line starting with {@code prefix}. */
  String line(String prefix) {
    int i = indexOf(prefix);
    if (i < 0) {
      throw new IllegalStateException("no line starts with \"" + prefix + "\" in " + texts());
    }
    return texts().get(i);
  }

  /** Returns the time from the first line starting with {@code a} to the first with {@code b}. */
  Duration between(String a, String b) {
    int i = indexOf(a);
    int j = indexOf(b);
    if (i < 0 || j < 0) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(result.lines().get(j).nanoTime() - result.lines().get(i).nanoTime());
  }

  /** Returns the time from the first line starting with {@code a} to the program's exit. */
  Duration untilExit(String a) {
    int i = indexOf(a);
    return i < 0
        ? Duration.ZERO
        : Duration.ofNanos(result.exitNanoTime() - result.lines().get(i).nanoTime());
  }

  /** Parses the number after the last space of the line starting with {@code prefix}. */
  OptionalInt lastNumber(String prefix) {
    int i = indexOf(prefix);
    if (i < 0) {
      return OptionalInt.empty();
    }
    String text = texts().get(i).strip();
    try {
      return OptionalInt.of(Integer.parseInt(text.substring(text.lastIndexOf(' ') + 1)));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
