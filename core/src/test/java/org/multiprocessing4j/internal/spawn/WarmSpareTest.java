package org.multiprocessing4j.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ChildCleanup;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Output;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessStartException;

/**
 * Warm spare JVMs ({@link WarmSpares}, {@link ProcessOptions.Builder#warmSpares(int)}): a start
 * takes one, a spare can become any process, spares are nobody's children until then, and none
 * outlives its parent JVM or a test. "Start was fast" is never asserted; a spare's use is proved by
 * its pid, which existed before {@code start()} was called.
 */
@ExtendWith(ChildCleanup.class)
class WarmSpareTest {

  /** Generous bound for a child JVM to start and do a little work on a loaded 2-core machine. */
  static final Duration CHILD_BOUND = Duration.ofSeconds(30);

  /** The bound for a child to notice its parent's death. */
  static final Duration ORPHAN_BOUND = Duration.ofSeconds(2);

  @TempDir Path dir;

  private final List<Long> sparesSeen = new ArrayList<>();

  @AfterEach
  void noSpareLeft() {
    sparesSeen.addAll(WarmSpares.idlePids());
    WarmSpares.closeAll();
    for (long pid : sparesSeen) {
      await().atMost(CHILD_BOUND).until(() -> isDead(pid));
    }
    assertThat(WarmSpares.idlePids()).isEmpty();
  }

  static ProcessOptions spares(int n) {
    return ProcessOptions.builder().warmSpares(n).build();
  }

  static void write(String file, String text) throws IOException {
    Path tmp = Path.of(file + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, Path.of(file), StandardCopyOption.ATOMIC_MOVE);
  }

  static void describeSelf(String file) throws IOException {
    JvmProcess self = JvmProcess.current();
    write(file, self.name() + " " + self.isDaemon() + " " + ProcessHandle.current().pid());
  }

  /** Dead, or a zombie its new parent has not reaped yet (it runs no code any more). */
  static boolean isDead(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return true; // gone between the two looks
    }
  }

  /** Starts and joins one process with these options, which creates their pool of spares. */
  static void primePool(ProcessOptions options) throws Exception {
    JvmProcess first = new JvmProcess(() -> {}).setOptions(options);
    first.start().join();
    if (!WarmSpares.awaitFull(CHILD_BOUND)) {
      throw new AssertionError("no spare became ready");
    }
  }

  @Test
  void start_spareReady_takesTheSpareStartedBeforeTheCall() throws Exception {
    ProcessOptions options = spares(1);
    primePool(options);
    List<Long> ready = WarmSpares.idlePids();
    sparesSeen.addAll(ready);
    assertThat(ready).hasSize(1);
    long taken = WarmSpares.taken();
    Path out = dir.resolve("self");
    String f = out.toString();
    JvmProcess p = new JvmProcess(WarmSpareTest::describeSelf, f).setOptions(options);
    p.setName("made-from-a-spare").setDaemon(true);
    Instant beforeStart = Instant.now();

    p.start();

    assertThat(p.pid()).isEqualTo(ready.getFirst());
    assertThat(WarmSpares.taken()).isEqualTo(taken + 1);
    Optional<Instant> launched = ProcessHandle.of(p.pid()).flatMap(h -> h.info().startInstant());
    launched.ifPresent(t -> assertThat(t).isBefore(beforeStart));
    p.join();
    assertThat(p.exitCode()).hasValue(0);
    // The name and daemon flag travelled in the LAUNCH payload, so the spare became this process.
    assertThat(Files.readString(out, StandardCharsets.UTF_8))
        .isEqualTo("made-from-a-spare true " + p.pid());
  }

  @Test
  void take_replenishesThePool() throws Exception {
    ProcessOptions options = spares(1);
    primePool(options);
    List<Long> first = WarmSpares.idlePids();
    sparesSeen.addAll(first);
    JvmProcess p = new JvmProcess(() -> {}).setOptions(options).start();
    p.join();

    assertThat(WarmSpares.awaitFull(CHILD_BOUND)).isTrue();
    List<Long> next = WarmSpares.idlePids();
    sparesSeen.addAll(next);
    assertThat(next).hasSize(1).doesNotContainAnyElementsOf(first);
  }

  @Test
  void idleSpare_terminatedFromOutside_isReplaced() throws Exception {
    primePool(spares(1));
    long first = WarmSpares.idlePids().getFirst();
    sparesSeen.add(first);

    ProcessHandle.of(first).ifPresent(ProcessHandle::destroy); // SIGTERM, as a user might
    await().atMost(CHILD_BOUND).until(() -> isDead(first));

    await()
        .atMost(CHILD_BOUND)
        .until(() -> WarmSpares.idlePids().stream().anyMatch(pid -> pid != first));
    List<Long> next = WarmSpares.idlePids();
    sparesSeen.addAll(next);
    assertThat(next).hasSize(1).doesNotContain(first);
  }

  @Test
  void activeChildren_idleSpares_areNotListed() throws Exception {
    primePool(spares(2));
    List<Long> idle = WarmSpares.idlePids();
    sparesSeen.addAll(idle);
    assertThat(idle).hasSize(2);

    List<Long> children = JvmProcess.activeChildren().stream().map(JvmProcess::pid).toList();

    assertThat(children).doesNotContainAnyElementsOf(idle);
    assertThat(Children.live().stream().map(Child::pid).toList()).doesNotContainAnyElementsOf(idle);
  }

  @Test
  void start_outputToFile_neverUsesSpares() throws Exception {
    Path log = dir.resolve("out.log");
    ProcessOptions options =
        ProcessOptions.builder().warmSpares(1).stdout(Output.file(log)).build();
    long taken = WarmSpares.taken();

    new JvmProcess(() -> System.out.println("one")).setOptions(options).start().join();
    new JvmProcess(() -> System.out.println("two")).setOptions(options).start().join();

    assertThat(WarmSpares.taken()).isEqualTo(taken);
    assertThat(WarmSpares.idlePids()).isEmpty();
    assertThat(Files.readString(log, StandardCharsets.UTF_8)).isEqualTo("two\n");
  }

  @Test
  void start_capturedOutput_spareCapturesOnlyItsProcess() throws Exception {
    ProcessOptions options =
        ProcessOptions.builder()
            .warmSpares(1)
            .stdout(Output.capture())
            .stderr(Output.capture())
            .build();
    primePool(options);
    sparesSeen.addAll(WarmSpares.idlePids());
    long taken = WarmSpares.taken();

    JvmProcess p = new JvmProcess(() -> System.out.println("from the spare")).setOptions(options);
    p.start().join();

    assertThat(WarmSpares.taken()).isEqualTo(taken + 1);
    assertThat(p.capturedStdout()).isEqualTo("from the spare\n");
    assertThat(p.capturedStderr()).isEmpty();
  }

  @Test
  void start_spareCannotStart_startReportsTheChildsErrorAndKeepsNoSpares() {
    ProcessOptions options =
        ProcessOptions.builder().warmSpares(1).jvmOptions("-XX:+NoSuchOptionForMp4j").build();

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> new JvmProcess(() -> {}).setOptions(options).start())
          .isInstanceOf(ProcessStartException.class)
          .hasMessageContaining("NoSuchOptionForMp4j");
    }
    assertThat(WarmSpares.idlePids()).isEmpty();
  }

  /** Runs in a child used as a parent: makes spares, publishes their pids, then waits forever. */
  static void makeSparesAndWait(String pidFile, boolean returnAtOnce) throws Exception {
    primePool(spares(2));
    write(pidFile, String.join(" ", WarmSpares.idlePids().stream().map(String::valueOf).toList()));
    if (!returnAtOnce) {
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  static List<Long> awaitPids(Path file) throws IOException {
    await().atMost(CHILD_BOUND.multipliedBy(2)).until(() -> Files.exists(file));
    return Arrays.stream(Files.readString(file, StandardCharsets.UTF_8).trim().split(" ", -1))
        .map(Long::parseLong)
        .toList();
  }

  @Test
  void parentKilled_sparesDieWithinTwoSeconds() throws Exception {
    Path pidFile = dir.resolve("spares.pid");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> makeSparesAndWait(f, false)).start();
    List<Long> pids = awaitPids(pidFile);
    sparesSeen.addAll(pids);
    assertThat(pids).hasSize(2).allMatch(pid -> !isDead(pid));

    parent.kill();
    parent.join();

    for (long pid : pids) {
      await().atMost(ORPHAN_BOUND).until(() -> isDead(pid));
    }
  }

  @Test
  void parentEnds_sparesAreKilledAtItsExit() throws Exception {
    Path pidFile = dir.resolve("spares.pid");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> makeSparesAndWait(f, true)).start();
    List<Long> pids = awaitPids(pidFile);
    sparesSeen.addAll(pids);

    assertThat(parent.join(CHILD_BOUND)).isTrue();

    assertThat(parent.exitCode()).hasValue(0);
    for (long pid : pids) {
      await().atMost(ORPHAN_BOUND).until(() -> isDead(pid));
    }
  }

  @Test
  void warmSpares_outOfRange_throws() {
    assertThatThrownBy(() -> ProcessOptions.builder().warmSpares(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> ProcessOptions.builder().warmSpares(65))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65");
  }

  /** Records when its class was initialized in this JVM. */
  static final class Preloaded {
    static final long INIT_MILLIS = System.currentTimeMillis();

    private Preloaded() {}
  }

  static void writePreloadedInit(String file) throws IOException {
    write(file, Long.toString(Preloaded.INIT_MILLIS));
  }

  /**
   * When, in the spare that ran it, {@link Preloaded} was initialized, against when start began.
   */
  private long preloadedInitBeforeStart(ProcessOptions options) throws Exception {
    primePool(options);
    sparesSeen.addAll(WarmSpares.idlePids());
    Path out = dir.resolve("init");
    JvmProcess p = new JvmProcess(WarmSpareTest::writePreloadedInit, out.toString());
    p.setOptions(options);
    long beforeStart = System.currentTimeMillis();
    p.start().join();
    assertThat(p.exitCode()).hasValue(0);
    return beforeStart - Long.parseLong(Files.readString(out, StandardCharsets.UTF_8));
  }

  @Test
  void preload_spareInitializedTheClassBeforeItWasNeeded() throws Exception {
    ProcessOptions options =
        ProcessOptions.builder()
            .warmSpares(1)
            .preload(Preloaded.class.getName(), "no.such.Clazz")
            .build();
    assertThat(preloadedInitBeforeStart(options)).isPositive();
  }

  @Test
  void noPreload_theClassIsInitializedWhenTheProcessRuns() throws Exception {
    assertThat(preloadedInitBeforeStart(spares(1))).isLessThanOrEqualTo(0);
  }
}
