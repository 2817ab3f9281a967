package org.multiprocessing4j.bench;

import java.io.FileOutputStream;
import java.io.IOException;

/** Targets of the benchmarked child processes, small so that loading them costs next to nothing. */
final class Targets {

  private Targets() {}

  /**
   * Tells the parent that the target runs: writes one byte to the FIFO the parent is reading.
   *
   * @param fifo the FIFO's path
   */
  static void signal(String fifo) throws IOException {
    try (FileOutputStream out = new FileOutputStream(fifo)) {
      out.write('x');
    }
  }
}
