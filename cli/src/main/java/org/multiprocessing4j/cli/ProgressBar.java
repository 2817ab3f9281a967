package org.multiprocessing4j.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.Progress;
import org.multiprocessing4j.ProgressListener;

/**
 * Draws a map's progress as a one-line bar on a terminal, redrawn in place with a carriage return:
 * {@code [##########..........] 50% 500/1,000 1,234/s ETA 0.4 s}. With an unknown total (an endless
 * input) it shows the count and the rate only. The last report ends the line.
 *
 * <p>Called from the pool's progress thread (see {@link ProgressListener}); it only prints.
 */
final class ProgressBar implements ProgressListener {

  private final PrintStream out;
  private final int width;
  private final CountDownLatch finished = new CountDownLatch(1);

  /**
   * Creates a bar.
   *
   * @param out where to draw it, usually standard error
   * @param width the number of cells between the brackets
   */
  ProgressBar(PrintStream out, int width) {
    if (width < 1) {
      throw new IllegalArgumentException("a progress bar needs at least 1 cell: " + width);
    }
    this.out = out;
    this.width = width;
  }

  @Override
  public void onProgress(Progress p) {
    out.print("\r" + render(p, width));
    if (p.finished()) {
      out.println();
    }
    out.flush();
    if (p.finished()) {
      finished.countDown();
    }
  }

  /**
   * Waits until the last report has been drawn, so that what is printed next starts on a line of
   * its own.
   *
   * @param timeout how long to wait at most
   * @return whether the last report was drawn in time
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitFinished(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Returns the bar's text for a report, without the carriage return.
   *
   * @param p the report
   * @param width the number of cells between the brackets
   * @return the line
   */
  static String render(Progress p, int width) {
    StringBuilder s = new StringBuilder();
    OptionalDouble fraction = p.fraction();
    if (fraction.isPresent()) {
      int full = (int) Math.floor(fraction.getAsDouble() * width);
      s.append('[')
          .append("#".repeat(full))
          .append(".".repeat(width - full))
          .append(']')
          .append(String.format(Locale.ROOT, " %3d%%", (int) (fraction.getAsDouble() * 100)))
          .append(String.format(Locale.ROOT, "  %,d/%,d", p.done(), p.total().orElseThrow()));
    } else {
      s.append(String.format(Locale.ROOT, "%,d done", p.done()));
    }
    s.append(String.format(Locale.ROOT, "  %,.0f/s", p.rate()));
    if (p.finished()) {
      s.append("  in ").append(seconds(p.elapsed()));
    } else {
      Optional<Duration> left = p.remaining();
      left.ifPresent(d -> s.append("  ETA ").append(seconds(d)));
    }
    return s.toString();
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toNanos() / 1e9);
  }
}
