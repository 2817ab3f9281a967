package org.multiprocessing4j.internal.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/** Event counts between real processes: wake-ups, CPU use while blocked, fallback, interrupts. */
@ExtendWith(ShmCleanup.class)
class EventCountTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);

  static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  // Layout of the test segment.
  static final long FLAG = 0; // int: the condition
  static final long WORD = 64; // the event count
  static final long CPU = 128; // long: the waiter thread's CPU nanos over the window
  static final long WINDOW = 136; // long: the window's length in nanos
  static final long REPORTED = 144; // int: CPU and WINDOW are written
  static final long WOKE = 148; // int: 1 if the waiter saw the flag, 2 if it timed out
  static final long READY = 152; // int: the waiter is about to wait

  /** How long the child measures its blocked waiter. */
  static final long WINDOW_MILLIS = 3_000;

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  static boolean flagSet(MemorySegment m) {
    return (int) INT.getVolatile(m, FLAG) == 1;
  }

  static void setFlagAndSignal(MemorySegment m) {
    INT.setVolatile(m, FLAG, 1);
    new EventCount(m, WORD).signalAll();
  }

  static void waitForFlag(MemorySegment m) throws InterruptedException {
    INT.setVolatile(m, READY, 1);
    boolean seen = new EventCount(m, WORD).await(() -> flagSet(m), TimeUnit.SECONDS.toNanos(60));
    INT.setVolatile(m, WOKE, seen ? 1 : 2);
  }

  static void waitForFlagIn(String name) throws InterruptedException {
    waitForFlag(SharedSegment.attach(name).memory());
  }

  static boolean waiterAnnounced(MemorySegment m) {
    return ((int) INT.getVolatile(m, WORD) & 1) == 1;
  }

  @Test
  void await_signalFromOtherProcess_wakesBlockedWaiter() throws Exception {
    SharedSegment s = owner.create("e", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(EventCountTest::waitForFlagIn, s.name()).start();
    await().atMost(CHILD_BOUND).until(() -> waiterAnnounced(m));
    setFlagAndSignal(m);
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat((int) INT.getVolatile(m, WOKE)).isEqualTo(1);
  }

  /** The kernel's thread folder of the calling thread, {@code /proc/<pid>/task/<tid>}. */
  static Path threadSelf() throws Exception {
    return Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self")));
  }

  /**
   * Returns a thread's CPU time: from {@code schedstat} (the scheduler's own nanoseconds on a CPU)
   * where the kernel has it, else from {@code stat}'s user and system ticks (10 ms each, which a
   * thread woken a few times can be charged in whole ticks).
   */
  static long cpuNanos(Path task) throws Exception {
    Path schedstat = task.resolve("schedstat");
    if (Files.isReadable(schedstat)) {
      return Long.parseLong(Files.readString(schedstat).strip().split(" ", -1)[0]);
    }
    String stat = Files.readString(task.resolve("stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    return ticks * TimeUnit.SECONDS.toNanos(1) / 100; // USER_HZ is 100 on Linux
  }

  /** Blocks a thread on the flag, measures that thread's CPU time, then waits for it to wake. */
  static void measureIdleWaiter(String name) throws Exception {
    MemorySegment m = SharedSegment.attach(name).memory();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<Path> task = new AtomicReference<>();
    Thread waiter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    task.set(threadSelf());
                    waitForFlag(m);
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
    while (!waiterAnnounced(m)) {
      Thread.sleep(5);
    }
    long cpu0 = cpuNanos(task.get());
    long t0 = System.nanoTime();
    Thread.sleep(WINDOW_MILLIS); // the measurement window, not synchronisation
    long cpu1 = cpuNanos(task.get());
    LONG.setVolatile(m, CPU, cpu1 - cpu0);
    LONG.setVolatile(m, WINDOW, System.nanoTime() - t0);
    INT.setVolatile(m, REPORTED, 1);
    waiter.join();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  /** The bar: an idle blocked consumer uses under 1% of a core. */
  @Test
  void await_blockedWaiterInOtherProcess_usesUnderOnePercentOfACore() throws Exception {
    assumeTrue(Waiting.futexEnabled(), "futexes need Linux and native access");
    SharedSegment s = owner.create("e", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(EventCountTest::measureIdleWaiter, s.name()).start();
    await()
        .atMost(CHILD_BOUND.plusMillis(WINDOW_MILLIS))
        .until(() -> (int) INT.getVolatile(m, REPORTED) == 1);
    setFlagAndSignal(m);
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    long cpu = (long) LONG.getVolatile(m, CPU);
    long window = (long) LONG.getVolatile(m, WINDOW);
    assertThat(window).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(WINDOW_MILLIS));
    assertThat((double) cpu / window)
        .as("waiter CPU share (%d ns in %d ns)", cpu, window)
        .isLessThan(0.01);
    assertThat((int) INT.getVolatile(m, WOKE)).isEqualTo(1);
  }

  @Test
  void await_childWithoutFutexes_seesSignalByPolling() throws Exception {
    SharedSegment s = owner.create("e", 4096);
    MemorySegment m = s.memory();
    JvmProcess child = new JvmProcess(EventCountTest::waitForFlagIn, s.name());
    child.setOptions(ProcessOptions.builder().jvmOptions("-Dmp4j.futex=false").build());
    child.start();
    await().atMost(CHILD_BOUND).until(() -> (int) INT.getVolatile(m, READY) == 1);
    // Let the waiter get past its spin phase into parking (not needed for the outcome).
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    setFlagAndSignal(m);
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat((int) INT.getVolatile(m, WOKE)).isEqualTo(1);
  }

  @Test
  void await_virtualThread_usesParkingFallbackAndSeesSignal() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(4096, 64);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread waiter =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      waitForFlag(m);
                    } catch (Throwable t) {
                      failure.set(t);
                    }
                  });
      setFlagAndSignal(m);
      waiter.join(CHILD_BOUND);
      assertThat(failure.get()).isNull();
      assertThat((int) INT.getVolatile(m, WOKE)).isEqualTo(1);
      assertThat(waiterAnnounced(m)).as("a parked waiter does not announce itself").isFalse();
    }
  }

  @Test
  void await_timeoutElapses_returnsFalse() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(4096, 64);
      long start = System.nanoTime();
      boolean seen =
          new EventCount(m, WORD).await(() -> flagSet(m), TimeUnit.MILLISECONDS.toNanos(200));
      assertThat(seen).isFalse();
      assertThat(System.nanoTime() - start)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    }
  }

  @Test
  void await_zeroTimeout_checksOnce() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(4096, 64);
      assertThat(new EventCount(m, WORD).await(() -> flagSet(m), 0)).isFalse();
      INT.setVolatile(m, FLAG, 1);
      assertThat(new EventCount(m, WORD).await(() -> flagSet(m), 0)).isTrue();
    }
  }

  @Test
  void await_interrupted_throwsInterruptedException() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(4096, 64);
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread waiter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      new EventCount(m, WORD).await(() -> flagSet(m), Waiting.FOREVER);
                    } catch (Throwable t) {
                      thrown.set(t);
                    }
                  });
      await().atMost(CHILD_BOUND).until(() -> waiterAnnounced(m) || !Waiting.futexEnabled());
      waiter.interrupt();
      waiter.join(CHILD_BOUND);
      assertThat(waiter.isAlive()).isFalse();
      assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }
  }

  @Test
  void signalAll_noWaiter_leavesWordUnchanged() {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(4096, 64);
      new EventCount(m, WORD).signalAll();
      assertThat((int) INT.getVolatile(m, WORD)).isZero();
    }
  }

  /**
   * The spin adapts: a wait that lasts longer than the longest spin halves it, down to a sixteenth;
   * waits that end sooner (here: while spinning) double it back. The conditions need no other
   * thread: one turns true after a few looks, the other after a set time.
   */
  @Test
  void await_spinAdaptsToHowLongWaitsLast() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(256, 64);
      EventCount e = new EventCount(m, WORD, TimeUnit.MILLISECONDS.toNanos(50));
      assertThat(e.spinMicros()).isEqualTo(50_000);
      for (int expected : new int[] {25_000, 12_500, 6_250, 3_125, 3_125}) {
        long start = System.nanoTime();
        // Well past the spin: a spinner descheduled across the gap would see the condition true
        // while spinning (it did, with a 60 ms condition, on a loaded machine).
        long longerThanTheSpin = TimeUnit.MILLISECONDS.toNanos(200);
        assertThat(
                e.await(() -> System.nanoTime() - start > longerThanTheSpin, CHILD_BOUND.toNanos()))
            .isTrue();
        assertThat(e.spinMicros()).as("after a wait of over 200 ms").isEqualTo(expected);
      }
      for (int expected : new int[] {6_250, 12_500, 25_000, 50_000, 50_000}) {
        int[] looks = {0};
        assertThat(e.await(() -> ++looks[0] > 3, CHILD_BOUND.toNanos())).isTrue();
        assertThat(e.spinMicros()).as("after a wait that ended while spinning").isEqualTo(expected);
      }
    }
  }

  /**
   * A wait that times out after longer than the longest spin is a wait no spin would have saved: it
   * halves the spin too. Waiters that wait in bounded slices (a pipe's recv, a get with a timeout
   * in a loop) otherwise spin the longest spin at every slice however idle they are.
   */
  @Test
  void await_timedOutLongWaitHalvesTheSpin() throws Exception {
    try (Arena arena = Arena.ofShared()) {
      MemorySegment m = arena.allocate(256, 64);
      EventCount e = new EventCount(m, WORD, TimeUnit.MILLISECONDS.toNanos(1));
      assertThat(e.spinMicros()).isEqualTo(1_000);
      for (int expected : new int[] {500, 250, 125, 62, 62}) {
        assertThat(e.await(() -> flagSet(m), TimeUnit.MILLISECONDS.toNanos(20))).isFalse();
        assertThat(e.spinMicros()).as("after a 20 ms wait that timed out").isEqualTo(expected);
      }
      // A timeout within the longest spin says nothing about how long waits last: no change.
      EventCount f = new EventCount(m, WORD + 4, TimeUnit.MILLISECONDS.toNanos(50));
      assertThat(f.await(() -> flagSet(m), TimeUnit.MICROSECONDS.toNanos(100))).isFalse();
      assertThat(f.spinMicros()).isEqualTo(50_000);
    }
  }
}
