package org.multiprocessing4j.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The command-line options, medians and markdown table rows of the whole-process benchmarks. */
final class Report {

  private Report() {}

  /** Returns {@code --name value} pairs of {@code args} as name to value, in order. */
  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return opts;
  }

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
