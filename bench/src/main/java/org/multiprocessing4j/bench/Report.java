package org.multiprocessing4j.bench;

import java.util.Arrays;
import java.util.Locale;

/** The medians and the markdown table rows that the whole-process benchmarks print. */
final class Report {

  private Report() {}

  /** Returns the median (the upper one for an even count) of {@code xs}. */
  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** Prints a row of a rate, where more is better: ours, theirs, ours ÷ theirs. */
  static void rateRow(String what, double ours, double theirs) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %,.0f | %s | %s |%n",
        what,
        ours,
        theirs > 0 ? String.format(Locale.ROOT, "%,.0f", theirs) : "n/a",
        theirs > 0 ? String.format(Locale.ROOT, "%.1f×", ours / theirs) : "n/a");
  }

  /** Prints a row of a latency, where less is better: ours, theirs, theirs ÷ ours. */
  static void latencyRow(String what, double ours, double theirs) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %s | %s |%n",
        what,
        ours,
        theirs > 0 ? String.format(Locale.ROOT, "%.1f", theirs) : "n/a",
        theirs > 0 ? String.format(Locale.ROOT, "%.1f×", theirs / ours) : "n/a");
  }
}
