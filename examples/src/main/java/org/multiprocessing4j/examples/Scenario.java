package org.multiprocessing4j.examples;

import java.io.PrintStream;

/**
 * One scenario of the tutorial, runnable as a demo that checks what it shows.
 *
 * <p>A scenario runs the tutorial's program translated to Java, prints to the stream it is given
 * what that program prints (in English), and returns an {@link Outcome}: one line saying what was
 * observed, and whether that matches {@link #expected()}. The verdict is computed from what this
 * run measured (line order, counts, values, elapsed times checked as bounds with slack), never
 * assumed. Where the tutorial sleeps only to illustrate, the scenario scales the sleep down and
 * says so in its output; where the timing is the point, it keeps it.
 *
 * <p>To add a scenario:
 *
 * <ol>
 *   <li>Write a {@code final} subclass that passes its id (as in {@code SCENARIOS.md}), the
 *       tutorial section, a title and what must be observed to this class's constructor, and
 *       implements {@link #run(PrintStream)}. {@link Transcript} records printed lines in order for
 *       the checks; {@link Stopwatch} measures elapsed time.
 *   <li>Give it {@code public static void main(String[] args) { new MyScenario().runAsProgram(); }}
 *       so that it runs on its own.
 *   <li>Add it to {@link Scenarios#all()} at its place in {@code SCENARIOS.md}'s order.
 *   <li>Add a test that asserts the observable behaviour, with timing bounds that have slack.
 * </ol>
 *
 * <p>Scenarios hold configuration only, so one instance can run any number of times; each run
 * leaves no thread or process of its own behind.
 */
public abstract class Scenario {

  private final String id;
  private final String section;
  private final String title;
  private final String expected;

  /**
   * Creates a scenario with its description.
   *
   * @param id the id of {@code SCENARIOS.md}, for example {@code "threads-start"}
   * @param section the tutorial section it comes from, for example {@code "线程 五"}
   * @param title a short title
   * @param expected what must be observed, in one line
   * @throws IllegalArgumentException if {@code id} is not lower-case words joined by hyphens, or
   *     any text is blank
   */
  protected Scenario(String id, String section, String title, String expected) {
    if (!id.matches("[a-z0-9]+(-[a-z0-9]+)*")) {
      throw new IllegalArgumentException(
          "id must be lower-case words joined by hyphens, like \"threads-start\", got: \""
              + id
              + "\"");
    }
    this.id = id;
    this.section = requireText("section", section);
    this.title = requireText("title", title);
    this.expected = requireText("expected", expected);
  }

  /**
   * Returns the id, as in {@code SCENARIOS.md}.
   *
   * @return the id, for example {@code "race"}
   */
  public final String id() {
    return id;
  }

  /**
   * Returns the section of the tutorial this scenario comes from.
   *
   * @return the section, as {@code SCENARIOS.md} names it
   */
  public final String section() {
    return section;
  }

  /**
   * Returns a short title.
   *
   * @return the title
   */
  public final String title() {
    return title;
  }

  /**
   * Returns what must be observed when the scenario runs, in one line.
   *
   * @return what must be observed
   */
  public final String expected() {
    return expected;
  }

  /**
   * Runs the scenario's program, printing its output to {@code out}, and judges what it showed.
   *
   * <p>Blocks until the program, and every thread and process it started, has ended.
   *
   * @param out where the program's output goes; threads of the program print to it too
   * @return what was observed and whether it matches {@link #expected()}
   * @throws InterruptedException if the calling thread is interrupted while the program runs
   * @throws Exception if the program fails in a way it cannot report as an outcome
   */
  public abstract Outcome run(PrintStream out) throws Exception;

  /**
   * Returns whether this scenario runs on a RabbitMQ broker, the one given by {@link
   * Scenarios#useBroker(String)} (the CLI's {@code --broker}) or {@code MP4J_BROKER}; without
   * either it starts a private one when {@code rabbitmq-server} is installed.
   *
   * @return false unless the scenario overrides it
   */
  public boolean usesBroker() {
    return false;
  }

  /**
   * Runs the scenario between a header and a verdict, as {@code mp4j demo} shows it.
   *
   * <p>Prints the id, title, section and what must be observed; then the program's output; then
   * what was observed and {@code PASS} or {@code FAIL}. An exception thrown by {@link
   * #run(PrintStream)} is printed and becomes a failed outcome; an interrupt is re-asserted on the
   * calling thread.
   *
   * @param out where everything is printed
   * @return the outcome of the run
   */
  public final Outcome runReported(PrintStream out) {
    out.println("== " + id + ": " + title + " (tutorial: " + section + ")");
    out.println("expected: " + expected);
    out.println();
    Outcome outcome;
    try {
      outcome = run(out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.threw(e);
    } catch (Exception | AssertionError e) {
      e.printStackTrace(out);
      outcome = Outcome.threw(e);
    }
    out.println();
    out.println("observed: " + outcome.observed());
    out.println(outcome.passed() ? "PASS" : "FAIL");
    out.flush();
    return outcome;
  }

  /**
   * Runs the scenario as a program of its own on {@code System.out}; for {@code main} methods.
   *
   * @return the outcome of the run
   */
  protected final Outcome runAsProgram() {
    return runReported(System.out);
  }

  @Override
  public String toString() {
    return id;
  }

  private static String requireText(String what, String text) {
    if (text.isBlank() || text.lines().count() != 1) {
      throw new IllegalArgumentException(
          what + " must be one non-blank line, got: \"" + text + "\"");
    }
    return text;
  }
}
