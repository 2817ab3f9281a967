package org.multiprocessing4j.bench;

import java.io.FileOutputStream;
import java.io.IOException;

/**
 * The floor of {@link StartLatency}: a bare JVM whose {@code main} does what the children's target
 * does, write one byte to the FIFO named by its argument, and nothing else.
 */
public final class Hello {

  private Hello() {}

  /**
   * Signals and returns.
   *
   * @param args the FIFO's path
   * @throws IOException if the FIFO cannot be written
   */
  public static void main(String[] args) throws IOException {
    try (FileOutputStream out = new FileOutputStream(args[0])) {
      out.write('x');
    }
  }
}
