package org.multiprocessing4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Runs a benchmark's Python peer: writes its source to a temporary file, runs it with the given
 * arguments, and reads the figures it prints on one line of standard output.
 *
 * <p>A missing Python or a failing script does not stop the benchmark: its figures come back as
 * zeros, which the tables print as "n/a".
 */
final class PythonScript {

  /** Longest a peer may run before it is given up on. */
  private static final long TIMEOUT_MINUTES = 30;

  private PythonScript() {}

  /**
   * Runs {@code source} with {@code exe} and returns the {@code count} numbers it printed.
   *
   * @param exe the Python executable, such as {@code python3}
   * @param source the script's text
   * @param count how many figures the script prints
   * @param args the script's arguments
   * @return the figures, or {@code count} zeros if Python is missing or the script failed
   */
  static double[] figures(String exe, String source, int count, Object... args)
      throws IOException, InterruptedException {
    Path script = Files.createTempFile("mp4j-bench", ".py");
    try {
      Files.writeString(script, source, StandardCharsets.UTF_8);
      String[] command = new String[args.length + 2];
      command[0] = exe;
      command[1] = script.toString();
      for (int i = 0; i < args.length; i++) {
        command[i + 2] = String.valueOf(args[i]);
      }
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
          System.err.println("python peer failed; its column is n/a");
          return new double[count];
        }
        return Arrays.stream(out.split("\\s+")).mapToDouble(Double::parseDouble).toArray();
      } finally {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      System.err.println("python peer not found (" + e.getMessage() + "); its column is n/a");
      return new double[count];
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
