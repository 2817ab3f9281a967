package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.internal.spawn.ChildMain;

/**
 * What happens to children when their parent ends or dies. Each test uses a child JVM as the
 * "parent" so that the parent's end can be observed (and caused) from the test.
 */
@ExtendWith(ChildCleanup.class)
class ProcessExitTest {

  static final Duration CHILD_BOUND = JvmProcessTest.CHILD_BOUND;

  /** The bound for a child to notice its parent's death. */
  static final Duration ORPHAN_BOUND = Duration.ofSeconds(2);

  @TempDir Path dir;

  static void write(String file, String text) throws IOException {
    Path tmp = Path.of(file + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, Path.of(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static long awaitPid(Path file) {
    await().atMost(CHILD_BOUND).until(() -> Files.exists(file));
    try {
      return Long.parseLong(Files.readString(file).trim());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Returns whether the process is gone or a zombie: a killed orphan stays a zombie until the
   * machine's init reaps it, which can lag on a loaded machine, but it runs no more code.
   */
  static boolean isDead(long pid) {
    if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return true; // gone between the two checks
    }
  }

  /** Runs in the "parent" child: starts a grandchild, publishes its pid, then waits forever. */
  static void startGrandchildAndWait(String pidFile, boolean daemon, boolean pdeathsig)
      throws Exception {
    JvmProcess g = new JvmProcess(() -> Thread.sleep(Long.MAX_VALUE));
    g.setDaemon(daemon);
    if (!pdeathsig) {
      g.setOptions(
          ProcessOptions.builder().systemProperty(ChildMain.PDEATHSIG_PROPERTY, "false").build());
    }
    g.start();
    write(pidFile, Long.toString(g.pid()));
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void parentKilled_childExitsWithinTwoSeconds() throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> startGrandchildAndWait(f, false, true)).start();
    long grandchild = awaitPid(pidFile);
    assertThat(isDead(grandchild)).isFalse();
    parent.kill();
    parent.join();
    await().atMost(ORPHAN_BOUND).until(() -> isDead(grandchild));
  }

  @Test
  void parentKilled_withoutDeathSignal_controlChannelEndsChild() throws Exception {
    Path pidFile = dir.resolve("grandchild.pid");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> startGrandchildAndWait(f, false, false)).start();
    long grandchild = awaitPid(pidFile);
    parent.kill();
    parent.join();
    await().atMost(ORPHAN_BOUND).until(() -> isDead(grandchild));
  }

  /** Starts a child, publishes its pid, and returns at once: the program's main code ends. */
  static void startChildAndReturn(String pidFile, boolean daemon, String doneFile, long sleepMillis)
      throws Exception {
    JvmProcess c =
        new JvmProcess(
            () -> {
              Thread.sleep(sleepMillis);
              write(doneFile, "done");
            });
    c.setDaemon(daemon).start();
    write(pidFile, Long.toString(c.pid()));
  }

  @Test
  void daemonChild_isEndedWhenParentProgramEnds() throws Exception {
    Path pidFile = dir.resolve("daemon.pid");
    Path done = dir.resolve("daemon.done");
    String f = pidFile.toString();
    String d = done.toString();
    JvmProcess parent = new JvmProcess(() -> startChildAndReturn(f, true, d, 60_000)).start();
    assertThat(parent.join(CHILD_BOUND)).isTrue();
    assertThat(parent.exitCode()).hasValue(0);
    long daemon = awaitPid(pidFile);
    assertThat(isDead(daemon)).isTrue();
    assertThat(done).doesNotExist();
  }

  @Test
  void nonDaemonChild_keepsParentAliveUntilItEnds() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    Path done = dir.resolve("child.done");
    String f = pidFile.toString();
    String d = done.toString();
    JvmProcess parent = new JvmProcess(() -> startChildAndReturn(f, false, d, 1_500)).start();
    assertThat(parent.join(CHILD_BOUND)).isTrue();
    // The parent's JVM could only exit after its non-daemon child had finished its work.
    assertThat(done).exists();
    assertThat(parent.exitCode()).hasValue(0);
  }

  static void mixed(String daemonDone, String otherDone) throws Exception {
    JvmProcess d =
        new JvmProcess(
            () -> {
              Thread.sleep(2_000); // longer than starting the other child takes
              write(daemonDone, "end123");
            });
    JvmProcess n =
        new JvmProcess(
            () -> {
              Thread.sleep(3_000);
              write(otherDone, "end456");
            });
    d.setDaemon(true).start();
    n.start();
  }

  @Test
  void daemonMixed_daemonEndedFirst_nonDaemonRunsToItsEnd() throws Exception {
    Path daemonDone = dir.resolve("end123");
    Path otherDone = dir.resolve("end456");
    String a = daemonDone.toString();
    String b = otherDone.toString();
    JvmProcess parent = new JvmProcess(() -> mixed(a, b)).start();
    assertThat(parent.join(CHILD_BOUND)).isTrue();
    assertThat(otherDone).hasContent("end456");
    assertThat(daemonDone).doesNotExist();
  }

  static void exitWithDaemon(String pidFile) throws Exception {
    JvmProcess d = new JvmProcess(() -> Thread.sleep(Long.MAX_VALUE));
    d.setDaemon(true).start();
    write(pidFile, Long.toString(d.pid()));
    System.exit(3);
  }

  @Test
  void systemExitInParent_endsDaemonChildren() throws Exception {
    Path pidFile = dir.resolve("daemon.pid");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> exitWithDaemon(f)).start();
    assertThat(parent.join(CHILD_BOUND)).isTrue();
    assertThat(parent.exitCode()).hasValue(3);
    assertThat(isDead(awaitPid(pidFile))).isTrue();
  }

  static void tryToStartChild(String out) throws IOException {
    try {
      new JvmProcess(() -> {}).start();
      write(out, "started");
    } catch (IllegalStateException e) {
      write(out, String.valueOf(e.getMessage()));
    }
  }

  @Test
  void daemonicProcess_cannotHaveChildren() throws Exception {
    Path out = dir.resolve("message");
    String f = out.toString();
    JvmProcess daemon = new JvmProcess(() -> tryToStartChild(f));
    daemon.setDaemon(true).start().join();
    assertThat(daemon.exitCode()).hasValue(0);
    assertThat(Files.readString(out))
        .contains("daemonic processes are not allowed to have children");
  }

  @Test
  void nonDaemonicChild_mayHaveChildren_namedAfterIt() throws Exception {
    Path out = dir.resolve("name");
    String f = out.toString();
    JvmProcess p =
        new JvmProcess(
            () -> {
              JvmProcess g = new JvmProcess(() -> {});
              g.start().join();
              write(f, g.name() + "," + g.exitCode().orElse(-1));
            });
    p.start().join();
    assertThat(Files.readString(out)).matches("JvmProcess-\\d+:\\d+,0");
  }
}
