package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.internal.shm.ShmDirectory;

/** SharedLong, SharedDouble, their arrays and SharedMemory, across real child JVMs. */
@ExtendWith(ShmCleanup.class)
class SharedValuesTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(90);

  @TempDir Path dir;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  static void joinAll(List<JvmProcess> children) throws InterruptedException {
    for (JvmProcess c : children) {
      assertThat(c.join(CHILD_BOUND)).isTrue();
      assertThat(c.exitCode()).hasValue(0);
    }
  }

  // ------------------------------------------------------------------ SharedLong

  @Test
  void sharedLong_atomicMethods_behaveAsAtomicLong() {
    SharedLong v = ctx.sharedLong(5);
    assertThat(v.get()).isEqualTo(5);
    v.set(7);
    assertThat(v.getAndSet(8)).isEqualTo(7);
    assertThat(v.compareAndSet(7, 9)).isFalse();
    assertThat(v.compareAndSet(8, 9)).isTrue();
    assertThat(v.addAndGet(3)).isEqualTo(12);
    assertThat(v.getAndAdd(-2)).isEqualTo(12);
    assertThat(v.incrementAndGet()).isEqualTo(11);
    assertThat(v.decrementAndGet()).isEqualTo(10);
    assertThat(v.updateAndGet(x -> x * 2)).isEqualTo(20);
    assertThat(v.withLock(x -> x + 1)).isEqualTo(21);
    assertThat(v.getLock()).isSameAs(v.getLock());
    assertThat(v.getLock().isLocked()).isFalse();
    assertThat(v).hasToString("SharedLong[21]");
  }

  static void increment(SharedLong v, int times) {
    for (int i = 0; i < times; i++) {
      v.incrementAndGet();
    }
  }

  @Test
  void incrementAndGet_fourProcessesTimes100000_exactWithoutLock() throws Exception {
    SharedLong v = ctx.sharedLong(0);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(new JvmProcess(() -> increment(v, 100_000)).start());
    }
    joinAll(children);
    assertThat(v.get()).isEqualTo(400_000);
  }

  /** A compound update of two values under one value's lock, with plain get-then-set. */
  static void transfer(SharedLong from, SharedLong to, int times) {
    for (int i = 0; i < times; i++) {
      try (var _ = from.getLock().hold()) {
        long f = from.get();
        long t = to.get();
        from.set(f - 1);
        to.set(t + 1);
      }
    }
  }

  @Test
  void getLock_compoundUpdatesFromThreeProcesses_keepSumAndCounts() throws Exception {
    SharedLong a = ctx.sharedLong(30_000);
    SharedLong b = ctx.sharedLong(0);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(new JvmProcess(() -> transfer(a, b, 10_000)).start());
    }
    joinAll(children);
    assertThat(a.get()).isZero();
    assertThat(b.get()).isEqualTo(30_000);
  }

  static void holdLockForever(SharedLong v) throws InterruptedException {
    v.getLock().lock();
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void withLock_lockHolderKilled_recoversAndReportsOwnerDied() throws Exception {
    SharedLong v = ctx.sharedLong(1);
    JvmProcess child = new JvmProcess(SharedValuesTest::holdLockForever, v).start();
    org.awaitility.Awaitility.await().atMost(CHILD_BOUND).until(v.getLock()::isLocked);
    child.kill();
    assertThat(v.withLock(x -> x + 1)).isEqualTo(2);
    assertThat(v.getLock().ownerDied()).isTrue();
    assertThat(child.join(CHILD_BOUND)).isTrue();
  }

  // ------------------------------------------------------------------ SharedDouble

  @Test
  void sharedDouble_atomicMethods_compareBits() {
    SharedDouble d = ctx.sharedDouble(1.5);
    assertThat(d.get()).isEqualTo(1.5);
    assertThat(d.addAndGet(0.25)).isEqualTo(1.75);
    assertThat(d.getAndSet(Double.NaN)).isEqualTo(1.75);
    assertThat(d.compareAndSet(Double.NaN, 0.0)).isTrue(); // bitwise: NaN matches NaN
    assertThat(d.compareAndSet(-0.0, 1.0)).isFalse(); // and 0.0 does not match -0.0
    assertThat(d.updateAndGet(x -> x + 2)).isEqualTo(2.0);
    assertThat(d.withLock(x -> x * 3)).isEqualTo(6.0);
    assertThat(d).hasToString("SharedDouble[6.0]");
  }

  static void addHalves(SharedDouble d, int times) {
    for (int i = 0; i < times; i++) {
      d.addAndGet(0.5);
    }
  }

  @Test
  void addAndGet_twoProcesses_noUpdateLost() throws Exception {
    SharedDouble d = ctx.sharedDouble(0);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      children.add(new JvmProcess(() -> addHalves(d, 50_000)).start());
    }
    joinAll(children);
    assertThat(d.get()).isEqualTo(50_000.0); // halves add up exactly in binary
  }

  // ------------------------------------------------------------------ arrays

  @Test
  void sharedLongArray_elementMethods_andBounds() {
    SharedLongArray a = ctx.sharedLongArray(3);
    assertThat(a.length()).isEqualTo(3);
    assertThat(a.toArray()).containsExactly(0, 0, 0);
    a.set(0, 4);
    assertThat(a.addAndGet(1, 2)).isEqualTo(2);
    assertThat(a.incrementAndGet(2)).isEqualTo(1);
    assertThat(a.compareAndSet(0, 4, 5)).isTrue();
    assertThat(a.updateAndGet(0, x -> x * 10)).isEqualTo(50);
    assertThat(a.get(0)).isEqualTo(50);
    assertThat(a.toArray()).containsExactly(50, 2, 1);
    assertThatThrownBy(() -> a.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> a.set(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(ctx.sharedLongArray(0).toArray()).isEmpty();
    assertThatThrownBy(() -> ctx.sharedLongArray(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  static void incrementEach(SharedLongArray a, int times) {
    for (int t = 0; t < times; t++) {
      for (int i = 0; i < a.length(); i++) {
        a.incrementAndGet(i);
      }
    }
  }

  @Test
  void sharedLongArray_threeProcessesIncrementEveryElement_exact() throws Exception {
    SharedLongArray a = ctx.sharedLongArray(16);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(new JvmProcess(() -> incrementEach(a, 5_000)).start());
    }
    joinAll(children);
    assertThat(a.toArray()).containsOnly(15_000L);
  }

  /** Moves one unit from element 0 to element 1 under the lock, with plain get-then-set. */
  static void moveUnderLock(SharedDoubleArray a, int times) {
    for (int t = 0; t < times; t++) {
      a.withLock(
          () -> {
            a.set(0, a.get(0) - 1);
            a.set(1, a.get(1) + 1);
          });
    }
  }

  @Test
  void sharedDoubleArray_withLockFromTwoProcesses_keepsBothElementsConsistent() throws Exception {
    SharedDoubleArray a = ctx.sharedDoubleArray(2);
    a.set(0, 20_000);
    assertThat(a.addAndGet(1, 0.0)).isZero();
    assertThat(a.compareAndSet(1, 0.0, 0.0)).isTrue();
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      children.add(new JvmProcess(() -> moveUnderLock(a, 10_000)).start());
    }
    joinAll(children);
    assertThat(a.toArray()).containsExactly(0.0, 20_000.0);
    assertThat(a.updateAndGet(0, x -> x - 0.5)).isEqualTo(-0.5);
  }

  // ------------------------------------------------------------------ SharedMemory

  static void attachAndDouble(String name, String out) throws Exception {
    try (SharedMemory m = SharedMemory.attach(name)) {
      MemorySegment s = m.segment();
      int v = s.get(ValueLayout.JAVA_INT, 0);
      s.set(ValueLayout.JAVA_INT, 4, v * 2);
      Files.writeString(Path.of(out), m.name() + " " + m.size());
    }
  }

  @Test
  void sharedMemory_attachedByNameInChild_sharesBytes() throws Exception {
    SharedMemory m = ctx.sharedMemory(100);
    assertThat(m.size()).isEqualTo(100);
    assertThat(m.name()).startsWith(ShmDirectory.PREFIX);
    m.segment().set(ValueLayout.JAVA_INT, 0, 21);
    Path out = dir.resolve("out");
    JvmProcess child =
        new JvmProcess(SharedValuesTest::attachAndDouble, m.name(), out.toString()).start();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat(m.segment().get(ValueLayout.JAVA_INT, 4)).isEqualTo(42);
    assertThat(Files.readString(out)).isEqualTo(m.name() + " 100");
  }

  static void writeThroughHandle(SharedMemory m) {
    m.segment().set(ValueLayout.JAVA_LONG, 8, 99L);
    m.close();
  }

  @Test
  void sharedMemory_passedToChild_isMappedThere() throws Exception {
    SharedMemory m = ctx.sharedMemory(64);
    JvmProcess child = new JvmProcess(SharedValuesTest::writeThroughHandle, m).start();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat(m.segment().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(99L);
  }

  @Test
  void unlink_thenAttach_throwsIllegalStateButMappingsStayValid() {
    SharedMemory m = ctx.sharedMemory(64);
    SharedMemory other = SharedMemory.attach(m.name());
    m.unlink();
    m.unlink(); // idempotent
    assertThatThrownBy(() -> SharedMemory.attach(m.name()))
        .isInstanceOf(IllegalStateException.class);
    other.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
    assertThat(m.segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
    other.close();
  }

  @Test
  void close_thenSegment_throwsIllegalState() {
    SharedMemory m = ctx.sharedMemory(64);
    MemorySegment s = m.segment();
    m.close();
    m.close(); // idempotent
    assertThatThrownBy(m::segment).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0))
        .isInstanceOf(IllegalStateException.class);
    SharedMemory.attach(m.name()).close(); // still linked: the name outlives this mapping
  }

  @Test
  void contextClose_unlinksAndUnmaps() {
    MultiprocessingContext other = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    SharedMemory m = other.sharedMemory(64);
    String name = m.name();
    other.close();
    assertThatThrownBy(() -> SharedMemory.attach(name)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(m::segment).isInstanceOf(IllegalStateException.class);
    assertThat(ShmDirectory.list(name)).isEmpty();
  }

  @Test
  void sharedMemory_badArguments_throwIllegalArgument() {
    assertThatThrownBy(() -> ctx.sharedMemory(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SharedMemory.attach("../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
