package org.multiprocessing4j.internal.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * The biased lock between real processes and threads: the bias earned by a streak, revoked by
 * another thread or process, given again after the biased thread stepped aside; exclusion through
 * many revocations; a biased holder killed inside.
 */
@ExtendWith(ShmCleanup.class)
class BiasedLockTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final long CHILD_BOUND_NANOS = CHILD_BOUND.toNanos();

  static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  static final long LOCK = 0; // BiasedLock.LENGTH bytes
  static final long INNER_OWNER = LOCK; // the inner RobustLock's owner word
  static final long STATE = LOCK + 24; // generation << 2 | phase (see BiasedLock)
  static final long THRESHOLD = LOCK + 52; // the streak that earns the bias
  static final long LOCKED = 128; // int: the child holds the lock
  static final long GO = 132; // int: the child may go on
  static final long COUNTER = 192; // long: incremented without atomics under the lock

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  // The bias is on by default, unless mp4j.bias=false: on for this class's JVM and its children
  // whatever the build's JVM was started with.
  private static boolean biasBefore;

  @BeforeAll
  static void biasOn() {
    biasBefore = HeavyFence.available();
    HeavyFence.enableForTests(true);
  }

  @AfterAll
  static void biasRestored() {
    HeavyFence.enableForTests(biasBefore);
  }

  static final ProcessOptions BIAS_ON =
      ProcessOptions.builder().systemProperty("mp4j.bias", "true").build();

  static void assumeHeavyFences() {
    assumeThat(HeavyFence.available()).as("membarrier(2) works here").isTrue();
  }

  /** Locks and unlocks {@code n} times through the lock's slow path or bias. */
  static void cycle(BiasedLock lock, int n) throws InterruptedException {
    for (int i = 0; i < n; i++) {
      assertThat(lock.lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.ACQUIRED);
      lock.unlock();
    }
  }

  @Test
  void streak_earnsTheBias_thenTheInnerLockIsNotTaken() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER - 1);
    assertThat(lock.isBiasedToCurrentThread()).isFalse();
    cycle(lock, 1);
    assertThat(lock.isBiasedToCurrentThread()).isTrue();

    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isHeldThroughBias()).isTrue();
    assertThat((long) LONG.getVolatile(m, INNER_OWNER)).isZero(); // no compareAndSet taken
    assertThat(lock.holderPid()).isEqualTo(ProcessHandle.current().pid());
    lock.unlock();
    assertThat(lock.holderPid()).isZero();
    assertThat(lock.toString()).contains("biased to pid " + ProcessHandle.current().pid());
  }

  @Test
  void biasState_ofLocksWhoseFileIsGoneOrWhoseThreadEnded_isForgotten_ofLiveOnesKept()
      throws Exception {
    assumeHeavyFences();
    int n = BiasedLock.LOCAL_PURGE;
    SharedSegment s = owner.create("b", (long) BiasedLock.LENGTH * (n + 2));
    MemorySegment m = s.memory();
    Path kept = Files.createTempFile("mp4j-bias", ".kept");
    Path gone = Files.createTempFile("mp4j-bias", ".gone");
    try {
      String prefix = s.name() + "-forget-";
      BiasedLock live = new BiasedLock(m, 0, prefix + "kept", kept);
      cycle(live, BiasedLock.BIAS_AFTER + 4);
      assertThat(live.isBiasedToCurrentThread()).isTrue();
      for (int i = 1; i < n / 2; i++) { // biased to this live thread, over a file then removed
        BiasedLock lock = new BiasedLock(m, (long) BiasedLock.LENGTH * i, prefix + i, gone);
        cycle(lock, BiasedLock.BIAS_AFTER + 4);
        assertThat(lock.isBiasedToCurrentThread()).isTrue();
      }
      Thread ended = // biased to a thread that then ends, over a file that stays
          Thread.ofPlatform()
              .start(
                  () -> {
                    BiasedLock lock =
                        new BiasedLock(
                            m, (long) BiasedLock.LENGTH * (n / 2), prefix + "ended", kept);
                    try {
                      cycle(lock, BiasedLock.BIAS_AFTER + 4);
                    } catch (InterruptedException e) {
                      throw new AssertionError(e);
                    }
                    assertThat(lock.isBiasedToCurrentThread()).isTrue();
                  });
      ended.join();
      Files.delete(gone);
      assertThat(BiasedLock.remembers(prefix + 1)).isTrue();
      assertThat(BiasedLock.remembers(prefix + "ended")).isTrue();

      for (int i = 0; i < n; i++) { // enough new keys for a purge, none of them biased
        new BiasedLock(m, (long) BiasedLock.LENGTH * (n / 2 + 1), prefix + "unbiased-" + i);
      }

      assertThat(BiasedLock.remembers(prefix + 1)).as("its file is gone").isFalse();
      assertThat(BiasedLock.remembers(prefix + (n / 2 - 1))).as("its file is gone").isFalse();
      assertThat(BiasedLock.remembers(prefix + "ended")).as("its thread ended").isFalse();
      assertThat(BiasedLock.remembers(prefix + "kept")).as("live thread, file there").isTrue();
      // and the kept lock's bias still works through a new object over it
      BiasedLock again = new BiasedLock(m, 0, prefix + "kept", kept);
      assertThat(again.isBiasedToCurrentThread()).isTrue();
      assertThat(again.lock(0)).isEqualTo(RobustLock.ACQUIRED);
      assertThat(again.isHeldThroughBias()).isTrue();
      again.unlock();
    } finally {
      Files.deleteIfExists(kept);
      Files.deleteIfExists(gone);
    }
  }

  @Test
  void secondObjectOverTheSameLock_sharesTheBias() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    BiasedLock first = new BiasedLock(s.memory(), LOCK, s.name());
    cycle(first, BiasedLock.BIAS_AFTER);
    assertThat(first.isBiasedToCurrentThread()).isTrue();
    // The same file attached again (a queue handle that arrived twice): the same bias.
    SharedSegment again = SharedSegment.attach(s.name());
    BiasedLock second = new BiasedLock(again.memory(), LOCK, s.name());
    assertThat(second.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(second.isHeldThroughBias()).isTrue();
    assertThat((long) LONG.getVolatile(s.memory(), INNER_OWNER)).isZero();
    second.unlock();
    assertThat(first.isBiasedToCurrentThread()).isTrue();
  }

  @Test
  void otherThread_revokesTheBias_waitingForTheBiasedHolder() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER);
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isHeldThroughBias()).isTrue();

    // Another thread cannot get it while the biased thread is inside, nor after a timeout.
    int timedOut =
        CompletableFuture.supplyAsync(() -> lockQuietly(lock, TimeUnit.MILLISECONDS.toNanos(100)))
            .get(CHILD_BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(timedOut).isEqualTo(RobustLock.TIMED_OUT);
    AtomicReference<Integer> got = new AtomicReference<>();
    Thread other =
        Thread.ofPlatform()
            .start(
                () -> {
                  got.set(lockQuietly(lock, CHILD_BOUND_NANOS));
                  lock.unlock();
                });
    await()
        .during(Duration.ofMillis(100))
        .atMost(Duration.ofSeconds(5))
        .until(() -> got.get() == null);
    lock.unlock(); // sees the revocation and wakes the revoker
    other.join(CHILD_BOUND.toMillis());
    assertThat(got.get()).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isBiasedToCurrentThread()).isFalse();

    // The formerly biased thread now goes through the inner lock.
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isHeldThroughBias()).isFalse();
    assertThat((long) LONG.getVolatile(m, INNER_OWNER)).isEqualTo(ProcessIdentity.selfToken());
    lock.unlock();
  }

  @Test
  void revokedBias_isGivenAgainOnlyAfterTheBiasedThreadSteppedAside() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER);
    assertThat(lock.isBiasedToCurrentThread()).isTrue();

    // Another thread revokes, then takes the lock often enough to earn it: but this thread has
    // not locked since, so it has not stepped aside, and the other gets no bias.
    int streak = 4 * BiasedLock.BIAS_AFTER;
    assertThat(
            CompletableFuture.supplyAsync(() -> streakThenBiased(lock, streak))
                .get(CHILD_BOUND.toSeconds(), TimeUnit.SECONDS))
        .isFalse();

    // This thread locks once (and steps aside); then a long enough streak earns the bias again.
    cycle(lock, 1);
    assertThat(lock.isBiasedToCurrentThread()).isFalse();
    int threshold = (int) INT.getVolatile(m, THRESHOLD);
    assertThat(threshold).isGreaterThan(BiasedLock.BIAS_AFTER); // doubled by the revocation
    assertThat(
            CompletableFuture.supplyAsync(() -> streakThenBiased(lock, threshold))
                .get(CHILD_BOUND.toSeconds(), TimeUnit.SECONDS))
        .isTrue();
  }

  static boolean streakThenBiased(BiasedLock lock, int n) {
    try {
      cycle(lock, n);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    return lock.isBiasedToCurrentThread();
  }

  static int lockQuietly(BiasedLock lock, long timeoutNanos) {
    try {
      return lock.lock(timeoutNanos);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void interrupted_whileWaitingForTheBiasedHolder_throwsAndHoldsNothing() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER);
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    lock.lock(Waiting.FOREVER);
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    // The waiter holds the inner lock and waits for this thread's BUSY to clear.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ((int) INT.getVolatile(m, STATE) & 3) == 2 && waiter.isAlive());
    waiter.interrupt();
    waiter.join(CHILD_BOUND.toMillis());
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat((long) LONG.getVolatile(m, INNER_OWNER)).isZero(); // released on the way out
    lock.unlock();
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    lock.unlock();
  }

  static void biasThenHoldUntilKilled(String name) throws Exception {
    MemorySegment m = SharedSegment.attach(name).memory();
    BiasedLock lock = new BiasedLock(m, LOCK, name);
    cycle(lock, BiasedLock.BIAS_AFTER);
    if (!lock.isBiasedToCurrentThread()) {
      throw new AssertionError("no bias after a streak");
    }
    lock.lock(CHILD_BOUND_NANOS);
    if (!lock.isHeldThroughBias()) {
      throw new AssertionError("not held through the bias");
    }
    INT.setVolatile(m, LOCKED, 1);
    Thread.sleep(CHILD_BOUND.toMillis()); // killed here
  }

  @Test
  void biasedHolderKilledInside_isRecoveredByTheNextLocker() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(BiasedLockTest::biasThenHoldUntilKilled, s.name());
    child.setOptions(BIAS_ON);
    child.start();
    try {
      await().atMost(CHILD_BOUND).until(() -> (int) INT.getVolatile(m, LOCKED) == 1);
      BiasedLock lock = new BiasedLock(m, LOCK, s.name());
      assertThat(lock.holderPid()).isEqualTo(child.pid());
      assertThat(lock.lock(TimeUnit.MILLISECONDS.toNanos(100))).isEqualTo(RobustLock.TIMED_OUT);
      child.kill();
      assertThat(child.join(CHILD_BOUND)).isTrue();
      assertThat(lock.lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.RECOVERED);
      lock.unlock();
      // The dead process cannot step aside; its death lets the bias go to a new streak.
      int threshold = (int) INT.getVolatile(m, THRESHOLD);
      cycle(lock, threshold);
      assertThat(lock.isBiasedToCurrentThread()).isTrue();
    } finally {
      child.kill();
    }
  }

  /** Starts {@code child} and waits for it to end without a failure; kills it if it does not. */
  static void runToSuccess(JvmProcess child) throws InterruptedException {
    child.start();
    try {
      assertThat(child.join(CHILD_BOUND)).isTrue();
      assertThat(child.failure()).isEmpty();
      assertThat(child.exitCode()).hasValue(0);
    } finally {
      child.kill();
    }
  }

  /** Run with mp4j.bias=false: this process biases nothing, but still fences for the others. */
  static void biasOff_stillFences() {
    if (HeavyFence.available()) {
      throw new AssertionError("mp4j.bias=false, yet this process may be given a bias");
    }
    if (!HeavyFence.heavy()) {
      throw new AssertionError(
          "mp4j.bias=false turned off the heavy fence: this process's revocations and queue waits"
              + " would not fence against the biased threads of processes without the property");
    }
  }

  @Test
  void biasTurnedOffInOneProcess_itsHeavyFencesStillWork() throws Exception {
    assumeHeavyFences();
    JvmProcess child = new JvmProcess(BiasedLockTest::biasOff_stillFences);
    child.setOptions(ProcessOptions.builder().systemProperty("mp4j.bias", "false").build());
    runToSuccess(child);
  }

  /** Run with mp4j.bias=false: takes and releases the lock once. */
  static void biasOff_lockOnce(String name) throws Exception {
    BiasedLock lock = new BiasedLock(SharedSegment.attach(name).memory(), LOCK, name);
    if (lock.lock(CHILD_BOUND_NANOS) != RobustLock.ACQUIRED) {
      throw new AssertionError("not acquired");
    }
    lock.unlock();
  }

  @Test
  void turnOfAProcessWithTheBiasOff_endsAnotherThreadsStreak() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    BiasedLock lock = new BiasedLock(s.memory(), LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER - 1);
    JvmProcess child = new JvmProcess(BiasedLockTest::biasOff_lockOnce, s.name());
    child.setOptions(ProcessOptions.builder().systemProperty("mp4j.bias", "false").build());
    runToSuccess(child);
    cycle(lock, 1);
    assertThat(lock.isBiasedToCurrentThread()).as("the child took the lock between").isFalse();
    cycle(lock, BiasedLock.BIAS_AFTER - 1);
    assertThat(lock.isBiasedToCurrentThread()).as("a streak of its own since").isTrue();
  }

  static void withoutHeavyFences_lockThenCycle(String name) throws Exception {
    if (HeavyFence.supported()) {
      throw new AssertionError("mp4j.heavyFence=false did not take");
    }
    MemorySegment m = SharedSegment.attach(name).memory();
    BiasedLock lock = new BiasedLock(m, LOCK, name); // sets NEVER
    if (lock.lock(CHILD_BOUND_NANOS) != RobustLock.ACQUIRED) {
      throw new AssertionError("not acquired");
    }
    INT.setVolatile(m, LOCKED, 1);
    lock.unlock();
    cycle(lock, 4 * BiasedLock.BIAS_AFTER);
    if (lock.isBiasedToCurrentThread()) {
      throw new AssertionError("a process without heavy fences was given the bias");
    }
  }

  @Test
  void processWithoutHeavyFences_forbidsTheBias_andRevokesByAcknowledgement() throws Exception {
    assumeHeavyFences();
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    cycle(lock, BiasedLock.BIAS_AFTER);
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isHeldThroughBias()).isTrue();
    JvmProcess child = new JvmProcess(BiasedLockTest::withoutHeavyFences_lockThenCycle, s.name());
    child.setOptions(ProcessOptions.builder().systemProperty("mp4j.heavyFence", "false").build());
    child.start();
    try {
      await()
          .atMost(CHILD_BOUND)
          .until(
              () ->
                  (int) INT.getVolatile(m, THRESHOLD) == BiasedLock.NEVER
                      && ((int) INT.getVolatile(m, STATE) & 3) == 2);
      // It waits for this thread to step aside, not for BUSY (which it cannot trust unfenced).
      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(5))
          .until(() -> (int) INT.getVolatile(m, LOCKED) == 0);
      lock.unlock(); // sees REVOKING: steps aside and acknowledges
      await().atMost(CHILD_BOUND).until(() -> (int) INT.getVolatile(m, LOCKED) == 1);
      assertThat(child.join(CHILD_BOUND)).isTrue();
      assertThat(child.failure()).isEmpty();
      assertThat(child.exitCode()).hasValue(0);
      cycle(lock, 4 * BiasedLock.BIAS_AFTER);
      assertThat(lock.isBiasedToCurrentThread()).as("NEVER: no bias again").isFalse();
    } finally {
      child.kill();
    }
  }

  static final int INCREMENTS = 20_000;

  /**
   * Read-modify-write with plain accesses and a pause between: only mutual exclusion keeps the
   * count right. Every 64th time, inside, sets the bias threshold back to 1, so that the bias moves
   * between the threads and processes hundreds of times.
   */
  static void incrementUnderLock(String name) throws Exception {
    MemorySegment m = SharedSegment.attach(name).memory();
    incrementUnderLock(new BiasedLock(m, LOCK, name), m);
  }

  static void incrementUnderLock(BiasedLock lock, MemorySegment m) throws InterruptedException {
    for (int i = 0; i < INCREMENTS; i++) {
      int r = lock.lock(CHILD_BOUND_NANOS);
      if (r != RobustLock.ACQUIRED) {
        throw new AssertionError("lock not acquired normally: " + r);
      }
      long v = m.get(ValueLayout.JAVA_LONG, COUNTER);
      for (int spin = 0; spin < 20; spin++) {
        Thread.onSpinWait();
      }
      m.set(ValueLayout.JAVA_LONG, COUNTER, v + 1);
      if ((i & 63) == 0) {
        INT.setRelease(m, THRESHOLD, 1);
      }
      lock.unlock();
    }
  }

  @Test
  void twoProcessesOfTwoThreads_incrementing_noUpdateLost() throws Exception {
    SharedSegment s = owner.create("b", 4096);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      JvmProcess child = new JvmProcess(BiasedLockTest::incrementUnderLock, s.name());
      child.setOptions(BIAS_ON);
      children.add(child);
    }
    children.forEach(JvmProcess::start);
    try {
      BiasedLock lock = new BiasedLock(s.memory(), LOCK, s.name());
      List<Thread> threads = new ArrayList<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      for (int i = 0; i < 2; i++) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        incrementUnderLock(lock, s.memory());
                      } catch (Throwable t) {
                        failed.set(t);
                      }
                    }));
      }
      for (Thread t : threads) {
        t.join(CHILD_BOUND.toMillis() * 2);
      }
      assertThat(failed.get()).isNull();
      for (JvmProcess c : children) {
        assertThat(c.join(CHILD_BOUND.multipliedBy(2))).isTrue();
        assertThat(c.exitCode()).hasValue(0);
      }
      assertThat((long) LONG.getVolatile(s.memory(), COUNTER)).isEqualTo(4L * INCREMENTS);
      if (HeavyFence.available()) { // the bias was given, revoked and given again (16 to 40
        // generations in runs here; how many depends on the scheduling)
        assertThat((int) INT.getVolatile(s.memory(), STATE) >>> 2).isGreaterThanOrEqualTo(2);
      }
    } finally {
      children.forEach(JvmProcess::kill);
    }
  }

  @Test
  void unlock_notHeld_throwsIllegalState() {
    SharedSegment s = owner.create("b", 4096);
    MemorySegment m = s.memory();
    BiasedLock lock = new BiasedLock(m, LOCK, s.name());
    assertThatThrownBy(lock::unlock)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not held");
  }
}
