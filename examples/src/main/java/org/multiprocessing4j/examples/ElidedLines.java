package org.multiprocessing4j.examples;

/**
 * Keeps the output of scenarios with many threads readable: of the identical lines that threads 1
 * to N print, only those of the first three threads and the last one are printed, and a note says
 * what was left out.
 */
final class ElidedLines {

  private static final int HEAD = 3;

  private ElidedLines() {}

  /**
   * Tells whether thread {@code index} (counting from 1) of {@code total} prints its line.
   *
   * @param index the thread's number, from 1
   * @param total how many threads print the same line
   * @return true for the first three threads and the last one
   */
  static boolean printsLine(int index, int total) {
    return index <= HEAD || index == total;
  }

  /**
   * Returns the note that says which threads' lines were left out.
   *
   * @param total how many threads print the same line
   * @param line what the line says after the thread's name
   * @return the note
   */
  static String note(int total, String line) {
    if (total <= HEAD + 1) {
      return "(every thread's line is shown)";
    }
    return String.format(
        "(Thread-%d to Thread-%d also printed \"%s\"; left out here)", HEAD + 1, total - 1, line);
  }
}
