package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints lines and remembers them, in the order they were printed, with the time of each.
 *
 * <p>A scenario prints through a transcript so that its checks look at what the user saw: which
 * line came first, whether a line appeared at all, how long after another it appeared. Any number
 * of threads may print through one transcript; each line is printed and recorded atomically, so the
 * recorded order is the printed order.
 */
public final class Transcript {

  /**
   * One printed line.
   *
   * @param text the line, without its line terminator
   * @param nanoTime {@link System#nanoTime()} when it was printed; meaningful only in this JVM
   */
  public record Line(String text, long nanoTime) {}

  private final PrintStream out;

  // Guarded by this.
  private final List<Line> lines = new ArrayList<>();

  /**
   * Creates a transcript that prints to {@code out}.
   *
   * @param out where lines are printed
   */
  public Transcript(PrintStream out) {
    this.out = out;
  }

  /**
   * Prints a line and records it.
   *
   * @param text the line, without a line terminator
   */
  public synchronized void println(String text) {
    lines.add(new Line(text, System.nanoTime()));
    out.println(text);
  }

  /**
   * Returns the lines printed so far, in order.
   *
   * @return an immutable copy of the lines
   */
  public synchronized List<Line> lines() {
    return List.copyOf(lines);
  }

  /**
   * Returns the position of the first line equal to {@code text}.
   *
   * @param text the line to look for
   * @return its index in {@link #lines()}, or {@code -1} if it was never printed
   */
  public synchronized int indexOf(String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).text().equals(text)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns when the first line equal to {@code text} was printed.
   *
   * @param text the line to look for
   * @return its {@link System#nanoTime()}
   * @throws IllegalStateException if the line was never printed
   */
  public synchronized long nanoTimeOf(String text) {
    int index = indexOf(text);
    if (index < 0) {
      throw new IllegalStateException("never printed: \"" + text + "\"; printed: " + lines);
    }
    return lines.get(index).nanoTime();
  }
}
