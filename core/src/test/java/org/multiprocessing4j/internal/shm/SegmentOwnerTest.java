package org.multiprocessing4j.internal.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/** Shared-memory files across real child JVMs: attach by name, removal at close and exit, sweep. */
@ExtendWith(ShmCleanup.class)
class SegmentOwnerTest {

  /** Generous bound for a child JVM to start and do a little work on a loaded machine. */
  static final Duration CHILD_BOUND = Duration.ofSeconds(60);

  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void closeOwner() {
    owner.close();
  }

  static void addOneAt8(String name) {
    MemorySegment m = SharedSegment.attach(name).memory();
    long v = (long) LONG.getAcquire(m, 0L);
    LONG.setRelease(m, 8L, v + 1);
  }

  @Test
  void attach_inChild_seesAndWritesTheSameMemory() throws Exception {
    SharedSegment s = owner.create("t", 4096);
    LONG.setRelease(s.memory(), 0L, 41L);
    String name = s.name();
    JvmProcess p = new JvmProcess(SegmentOwnerTest::addOneAt8, name).start();
    p.join(CHILD_BOUND);
    assertThat(p.exitCode()).hasValue(0);
    assertThat((long) LONG.getAcquire(s.memory(), 8L)).isEqualTo(42L);
  }

  @Test
  void create_namesFileWithOwnerPidAndContextId() {
    SharedSegment s = owner.create("q", 64);
    assertThat(s.path().getParent()).isEqualTo(ShmDirectory.dir());
    assertThat(s.name())
        .startsWith("mp4j-" + ProcessIdentity.selfPid() + "-" + owner.contextId() + "-q")
        .isNotEqualTo(owner.create("q", 64).name());
    assertThat(ShmDirectory.ownerPid(s.name())).isEqualTo(ProcessIdentity.selfPid());
  }

  @Test
  void close_removesFilesAndLaterAccessThrows() {
    SharedSegment a = owner.create("a", 4096);
    SharedSegment b = owner.create("b", 4096);
    assertThat(a.path()).exists();
    owner.close();
    assertThat(a.path()).doesNotExist();
    assertThat(b.path()).doesNotExist();
    assertThatThrownBy(() -> LONG.getAcquire(a.memory(), 0L))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> owner.create("c", 64)).isInstanceOf(IllegalStateException.class);
    owner.close(); // idempotent
  }

  static void createForOwner(String name) {
    SharedSegment.createFor(name, 4096, Arena.ofAuto());
  }

  @Test
  void close_removesFilesOtherProcessesCreatedForIt() throws Exception {
    SharedSegment s = owner.create("q", 64);
    String overflow = s.name() + ".x1";
    JvmProcess p = new JvmProcess(SegmentOwnerTest::createForOwner, overflow).start();
    p.join(CHILD_BOUND);
    assertThat(p.exitCode()).hasValue(0);
    Path file = ShmDirectory.dir().resolve(overflow);
    assertThat(file).exists();
    owner.close();
    assertThat(file).doesNotExist();
  }

  static void createOwnSegment(String reportFile) throws Exception {
    SegmentOwner own = SegmentOwner.open();
    Files.writeString(Path.of(reportFile), own.create("c", 4096).name());
  }

  @Test
  void childExit_removesTheChildsFiles() throws Exception {
    Path report = Files.createTempFile("mp4j-test", ".txt");
    try {
      JvmProcess p = new JvmProcess(SegmentOwnerTest::createOwnSegment, report.toString());
      p.start().join(CHILD_BOUND);
      assertThat(p.exitCode()).hasValue(0);
      String name = Files.readString(report);
      assertThat(name).startsWith("mp4j-" + p.pid() + "-");
      assertThat(ShmDirectory.dir().resolve(name)).doesNotExist();
    } finally {
      Files.deleteIfExists(report);
    }
  }

  static void createOwnSegmentAndHang(String reportFile) throws Exception {
    createOwnSegment(reportFile);
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void sweep_removesFilesOfAKilledOwner_onFirstCreateOfANewContext() throws Exception {
    Path report = Files.createTempFile("mp4j-test", ".txt");
    try {
      JvmProcess p =
          new JvmProcess(SegmentOwnerTest::createOwnSegmentAndHang, report.toString()).start();
      await().atMost(CHILD_BOUND).until(() -> Files.size(report) > 0);
      Path file = ShmDirectory.dir().resolve(Files.readString(report));
      assertThat(file).exists();
      p.kill();
      p.join(CHILD_BOUND);
      assertThat(file).as("SIGKILL runs no hook").exists();
      try (SegmentOwner fresh = SegmentOwner.open()) {
        assertThat(file).as("a new context touches nothing before first use").exists();
        fresh.create("s", 64);
        assertThat(file).doesNotExist();
      }
    } finally {
      Files.deleteIfExists(report);
    }
  }

  /** A live pid whose start time does not match is a reused pid: its files are swept. */
  @Test
  void sweep_pidReusedByAnotherProcess_removesFile() throws Exception {
    SharedSegment live = owner.create("live", 64); // sweeps once: before the stale file exists
    long wrongStart = ProcessIdentity.selfStart() + 1;
    String name =
        "mp4j-" + ProcessIdentity.selfPid() + "-" + Long.toString(wrongStart, 36) + "_1-old1";
    Path file = Files.createFile(ShmDirectory.dir().resolve(name));
    assertThat(ShmDirectory.sweepDeadOwners()).contains(name).doesNotContain(live.name());
    assertThat(file).doesNotExist();
    assertThat(live.path()).exists();
  }

  @Test
  void attach_missingFile_throwsSegmentGone() {
    String name = "mp4j-" + ProcessIdentity.selfPid() + "-0_0-none1";
    assertThatThrownBy(() -> SharedSegment.attach(name))
        .isInstanceOf(SegmentGoneException.class)
        .hasMessageContaining(name)
        .hasMessageContaining("no longer exists");
  }

  @Test
  void attach_nameOutsideTheFolder_throwsIllegalArgument() {
    assertThatThrownBy(() -> SharedSegment.attach("../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SharedSegment.attach("mp4j-1-0_0-../../x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void createFor_deadOwner_throwsSegmentGone() {
    String name = "mp4j-" + ProcessIdentity.selfPid() + "-zz_1-q1.x1";
    assertThatThrownBy(() -> SharedSegment.createFor(name, 64, Arena.ofAuto()))
        .isInstanceOf(SegmentGoneException.class);
  }
}
