package org.multiprocessing4j.jcstress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.SortedSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;

/**
 * Runs every jcstress test of this module once, in jcstress's sanity mode and one JVM configuration
 * (no split compilation, no stress fork): proves that each test runs and grades its outcomes, in
 * seconds, so that {@code ./mvnw verify} stays fast. The real search for forbidden outcomes is the
 * full run, documented in {@code docs/jcstress.md}. The working folder is {@code target/} (see the
 * module's pom), where jcstress writes its report.
 */
class JcstressSanityTest {

  /** Sanity mode; one JVM configuration, no split compilation, no stress fork: one run a test. */
  private static final String[] SANITY = {
    "-m",
    "sanity",
    "-jvmArgs",
    "--enable-native-access=ALL-UNNAMED -Xmx256m",
    "-sc",
    "false",
    "-fsm",
    "0",
    "-r",
    "jcstress-sanity"
  };

  @Test
  void sanityRun_everyTest_runsWithoutForbiddenOutcomes() throws Exception {
    // jcstress skips a test with more actors than CPUs; every test here has two.
    assumeTrue(
        Runtime.getRuntime().availableProcessors() >= 2, "jcstress tests need two CPUs to run");
    Options options = new Options(SANITY);
    assertThat(options.parse()).isTrue();
    SortedSet<String> tests = new JCStress(options).getTests();
    assertThat(tests).as("the annotation processor's test list").hasSizeGreaterThanOrEqualTo(9);

    // Throws AssertionError ("TEST FAILURES") if any test had a forbidden outcome or an error.
    RunJcstress.main(SANITY);

    Path report = Paths.get("jcstress-sanity");
    for (String test : tests) {
      assertThat(report.resolve(test + ".html")).as("report of " + test).exists();
    }
    deleteRawResults();
  }

  /** Removes jcstress's raw results file, which it always writes to the working folder. */
  private static void deleteRawResults() throws IOException {
    try (Stream<Path> files = Files.list(Paths.get("."))) {
      List<Path> raw =
          files.filter(p -> p.getFileName().toString().startsWith("jcstress-results-")).toList();
      for (Path p : raw) {
        Files.delete(p);
      }
    }
  }
}
