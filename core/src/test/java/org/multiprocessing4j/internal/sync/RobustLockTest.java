package org.multiprocessing4j.internal.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/** The robust lock between real processes: exclusion, waiting, recovery from a killed holder. */
@ExtendWith(ShmCleanup.class)
class RobustLockTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final long CHILD_BOUND_NANOS = CHILD_BOUND.toNanos();

  static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  static final long LOCK = 0;
  static final long LOCKED = 64; // int: the child holds the lock
  static final long GO = 68; // int: the child may unlock
  static final long COUNTER = 128; // long: incremented without atomics under the lock
  static final long GO_WORD = 192; // event count for GO

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  static void lockThenWaitForGo(String name, Boolean unlock) throws Exception {
    MemorySegment m = SharedSegment.attach(name).memory();
    RobustLock lock = new RobustLock(m, LOCK);
    assertThat(lock.lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.ACQUIRED);
    INT.setVolatile(m, LOCKED, 1);
    new EventCount(m, GO_WORD).await(() -> (int) INT.getVolatile(m, GO) == 1, Waiting.FOREVER);
    if (unlock) {
      lock.unlock();
    }
  }

  @Test
  void lock_heldByOtherProcess_waitsUntilReleased() throws Exception {
    SharedSegment s = owner.create("l", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(RobustLockTest::lockThenWaitForGo, s.name(), true).start();
    await().atMost(CHILD_BOUND).until(() -> (int) INT.getVolatile(m, LOCKED) == 1);
    RobustLock lock = new RobustLock(m, LOCK);
    assertThat(lock.holderPid()).isEqualTo(child.pid());
    assertThat(lock.lock(TimeUnit.MILLISECONDS.toNanos(200))).isEqualTo(RobustLock.TIMED_OUT);
    INT.setVolatile(m, GO, 1);
    new EventCount(m, GO_WORD).signalAll();
    assertThat(lock.lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.ACQUIRED);
    assertThat(lock.isHeldByThisProcess()).isTrue();
    lock.unlock();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
  }

  @Test
  void lock_holderKilled_isRecoveredByNextLocker() throws Exception {
    SharedSegment s = owner.create("l", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(RobustLockTest::lockThenWaitForGo, s.name(), false).start();
    await().atMost(CHILD_BOUND).until(() -> (int) INT.getVolatile(m, LOCKED) == 1);
    child.kill();
    child.join(CHILD_BOUND);
    RobustLock lock = new RobustLock(m, LOCK);
    assertThat(lock.lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.RECOVERED);
    lock.unlock();
    assertThat(lock.lock(0)).isEqualTo(RobustLock.ACQUIRED);
  }

  @Test
  void lock_holderExitedWithoutUnlocking_isRecovered() throws Exception {
    SharedSegment s = owner.create("l", 4096);
    MemorySegment m = s.memory();
    INT.setVolatile(m, GO, 1);
    JvmProcess child = new JvmProcess(RobustLockTest::lockThenWaitForGo, s.name(), false).start();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat(new RobustLock(m, LOCK).lock(CHILD_BOUND_NANOS)).isEqualTo(RobustLock.RECOVERED);
  }

  static final int INCREMENTS = 20_000;

  /** Read-modify-write with plain accesses: only mutual exclusion keeps the count right. */
  static void incrementUnderLock(String name) throws Exception {
    MemorySegment m = SharedSegment.attach(name).memory();
    RobustLock lock = new RobustLock(m, LOCK);
    for (int i = 0; i < INCREMENTS; i++) {
      if (lock.lock(CHILD_BOUND_NANOS) != RobustLock.ACQUIRED) {
        throw new AssertionError("lock not acquired normally");
      }
      long v = m.get(ValueLayout.JAVA_LONG, COUNTER);
      m.set(ValueLayout.JAVA_LONG, COUNTER, v + 1);
      lock.unlock();
    }
  }

  @Test
  void lock_threeProcessesIncrementing_noUpdateLost() throws Exception {
    SharedSegment s = owner.create("l", 4096);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(new JvmProcess(RobustLockTest::incrementUnderLock, s.name()));
    }
    children.forEach(JvmProcess::start);
    for (JvmProcess c : children) {
      assertThat(c.join(CHILD_BOUND.multipliedBy(2))).isTrue();
      assertThat(c.exitCode()).hasValue(0);
    }
    assertThat((long) LONG.getVolatile(s.memory(), COUNTER)).isEqualTo(3L * INCREMENTS);
  }

  @Test
  void unlock_notHeld_throwsIllegalState() {
    try (Arena arena = Arena.ofShared()) {
      RobustLock lock = new RobustLock(arena.allocate(64, 64), 0);
      assertThatThrownBy(lock::unlock)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not held");
    }
  }
}
