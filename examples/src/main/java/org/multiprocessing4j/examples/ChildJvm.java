package org.multiprocessing4j.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@code main} class in a fresh JVM and records its output; for scenarios that must show
 * what happens when a JVM's main thread ends, which the JVM running the scenarios cannot show of
 * itself.
 *
 * <p>The child is {@code java} from this JVM's {@code java.home}, with this JVM's {@code
 * java.class.path} (a jar whose manifest has a {@code Class-Path} brings its dependencies along).
 * Its standard output and error are merged, read line by line as they arrive, echoed and recorded
 * with the time each line arrived.
 */
final class ChildJvm {

  /**
   * What the child printed and how it ended.
   *
   * @param lines every line of its merged output, in order, with the time this JVM read it
   * @param exitCode its exit code
   * @param exitNanoTime {@link System#nanoTime()} in this JVM when the child was seen to have
   *     exited
   */
  record Result(List<Transcript.Line> lines, int exitCode, long exitNanoTime) {

    /** Returns the lines' text, in order. */
    List<String> texts() {
      return lines.stream().map(Transcript.Line::text).toList();
    }
  }

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} in a child JVM and waits for it to exit.
   *
   * <p>Blocks until the child has exited and all its output has been read, or until {@code timeout}
   * has elapsed, in which case the child is killed.
   *
   * @param mainClass a class with a {@code public static void main(String[])}
   * @param timeout how long the child may run
   * @param echo where each line of the child's output is printed, indented, as it arrives
   * @return the child's output and exit code
   * @throws IOException if the child cannot be started
   * @throws InterruptedException if interrupted while waiting; the child is killed
   * @throws IllegalStateException if the child was still running after {@code timeout}; it has been
   *     killed
   */
  static Result run(Class<?> mainClass, Duration timeout, PrintStream echo)
      throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        List.of(
            java.toString(),
            "-Dstdout.encoding=UTF-8",
            "-Dstderr.encoding=UTF-8",
            "-cp",
            System.getProperty("java.class.path"),
            mainClass.getName());
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    child.getOutputStream().close();
    List<Transcript.Line> lines = new ArrayList<>();
    Thread reader =
        Thread.ofPlatform()
            .name("child-output-" + child.pid())
            .start(() -> readLines(child, lines, echo));
    try {
      if (!child.waitFor(timeout)) {
        throw new IllegalStateException(
            mainClass.getName()
                + " was still running after "
                + Stopwatch.seconds(timeout)
                + "; killed it. Its output so far: "
                + snapshot(lines));
      }
      long exitNanoTime = System.nanoTime();
      reader.join(); // the pipe reaches end-of-file once the child has exited
      return new Result(snapshot(lines), child.exitValue(), exitNanoTime);
    } finally {
      if (child.isAlive()) {
        child.destroyForcibly();
        child.waitFor();
        reader.join();
      }
    }
  }

  private static void readLines(Process child, List<Transcript.Line> lines, PrintStream echo) {
    try (BufferedReader in = child.inputReader(UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lines) {
          lines.add(new Transcript.Line(line, System.nanoTime()));
        }
        echo.println("  | " + line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading the output of child " + child.pid(), e);
    }
  }

  private static List<Transcript.Line> snapshot(List<Transcript.Line> lines) {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }
}
