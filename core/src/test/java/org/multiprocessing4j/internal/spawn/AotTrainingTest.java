package org.multiprocessing4j.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache maker ({@link AotTraining}) with a training command that never connects: it gives
 * up by its deadline, kills the command, writes the failure marker and leaves no FIFO or folder.
 */
class AotTrainingTest {

  @TempDir Path dir;

  /** Kills what a failed test may have left: the training commands are children of this JVM. */
  @AfterEach
  void killTrainingCommands() {
    ProcessHandle.current()
        .children()
        .filter(AotTrainingTest::isSleep)
        .forEach(ProcessHandle::destroyForcibly);
  }

  private static boolean isSleep(ProcessHandle h) {
    return h.info().command().map(c -> c.endsWith("/sleep")).orElse(false);
  }

  /**
   * Runs the maker with a training shell script, 2 s of timeout. The maker appends the FIFO, our
   * pid and a name, which sh takes as $0 and on; the script first writes the FIFO's path to a file.
   *
   * @return the FIFO's path
   */
  private Path make(String script) throws Exception {
    Path said = dir.resolve("fifo-path");
    AotTraining.main(
        new String[] {
          AotTraining.MAKE,
          dir.resolve("test.aot").toString(),
          "2",
          "sh",
          "-c",
          "echo \"$0\" > '" + said + "'; " + script
        });
    return Path.of(Files.readString(said).strip());
  }

  @Test
  void make_trainingNeverOpensTheFifo_givesUpByTheDeadlineAndCleansUp() throws Exception {
    long t0 = System.nanoTime();
    Path fifo = make("exec sleep 60"); // opens nothing, ends in a minute
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    Path failed = AotCache.failedOf(dir.resolve("test.aot"));
    assertThat(Files.readString(failed)).contains("training did not start").contains("connect");
    assertThat(dir.resolve("test.aot")).doesNotExist();
    assertThat(AotCache.leaseOf(dir.resolve("test.aot"))).doesNotExist();
    assertThat(fifo).doesNotExist();
    assertThat(fifo.getParent()).doesNotExist();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.current().children().noneMatch(AotTrainingTest::isSleep));
  }

  @Test
  void make_trainingExitsWithoutOpeningTheFifo_failsAtOnceAndCleansUp() throws Exception {
    long t0 = System.nanoTime();
    Path fifo = make("exit 0");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    assertThat(Files.readString(AotCache.failedOf(dir.resolve("test.aot"))))
        .contains("training did not start");
    assertThat(fifo).doesNotExist();
    assertThat(fifo.getParent()).doesNotExist();
  }
}
