package org.multiprocessing4j.jcstress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jcstress.Main;

/**
 * Runs jcstress over this module's tests: {@code java -jar multiprocessing4j-jcstress-<version>.jar
 * [jcstress options]}, the jar's main class.
 *
 * <p>Adds {@code --enable-native-access=ALL-UNNAMED} to the JVMs jcstress forks (the event count
 * calls {@code futex} through the FFM API), unless the options already set their JVM arguments.
 * jcstress prints the report, writes it as HTML under {@code results/} and its raw results to
 * {@code jcstress-results-<time>.bin.gz}, both in the working folder, and throws (exit status 1)
 * when a test had a forbidden outcome or failed to run.
 */
public final class RunJcstress {

  private RunJcstress() {}

  /**
   * Runs jcstress.
   *
   * @param args jcstress's options ({@code -h} lists them); for example {@code -m quick}
   * @throws Exception if a test failed or had a forbidden outcome
   */
  public static void main(String[] args) throws Exception {
    Main.main(withNativeAccess(args));
  }

  /** Returns {@code args}, with native access added for the forked JVMs if they do not say. */
  static String[] withNativeAccess(String[] args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (!all.contains("-jvmArgs") && !all.contains("-jvmArgsPrepend")) {
      all.add("-jvmArgsPrepend");
      all.add("--enable-native-access=ALL-UNNAMED");
    }
    return all.toArray(String[]::new);
  }
}
