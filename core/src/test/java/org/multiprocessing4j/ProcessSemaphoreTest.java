package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/** ProcessSemaphore across real child JVMs: counting, bounds, timeouts, dead holders' permits. */
@ExtendWith(ShmCleanup.class)
class ProcessSemaphoreTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final Duration SHORT = Duration.ofMillis(200);

  /** Long enough for ten sweeps for dead holders' permits (50 ms each). */
  static final Duration NO_GIVE_BACK_WAIT = Duration.ofMillis(500);

  static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());
  private final SegmentOwner segments = SegmentOwner.open();

  @AfterEach
  void close() {
    ctx.close();
    segments.close();
  }

  @Test
  void tryAcquire_twoPermits_takesTwoThenFails() throws Exception {
    ProcessSemaphore s = ctx.semaphore(2);
    assertThat(s.availablePermits()).isEqualTo(2);
    assertThat(s.tryAcquire()).isTrue();
    assertThat(s.acquire(false)).isTrue();
    assertThat(s.tryAcquire()).isFalse();
    assertThat(s.availablePermits()).isZero();
    s.release();
    assertThat(s.availablePermits()).isEqualTo(1);
  }

  @Test
  void release_unbounded_beyondInitialIsAllowed() {
    ProcessSemaphore s = ctx.semaphore(1);
    s.release(2);
    assertThat(s.availablePermits()).isEqualTo(3);
    assertThat(s.isBounded()).isFalse();
  }

  @Test
  void release_boundedBeyondInitial_throwsIllegalStateAndCountUnchanged() {
    ProcessSemaphore s = ctx.boundedSemaphore(2);
    assertThat(s.isBounded()).isTrue();
    assertThatThrownBy(s::release)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("released too many times");
    assertThat(s.tryAcquire()).isTrue();
    assertThatThrownBy(() -> s.release(2)).isInstanceOf(IllegalStateException.class);
    s.release();
    assertThat(s.availablePermits()).isEqualTo(2);
  }

  @Test
  void create_negativePermits_throwsIllegalArgument() {
    assertThatThrownBy(() -> ctx.semaphore(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ctx.semaphore(0).release(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tryAcquireWithTimeout_noPermit_timesOut() throws Exception {
    ProcessSemaphore s = ctx.semaphore(0);
    long start = System.nanoTime();
    assertThat(s.tryAcquire(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
    assertThat(s.acquire(Duration.ZERO)).isFalse();
  }

  @Test
  void acquire_interruptedWhileWaiting_throws() throws Exception {
    ProcessSemaphore s = ctx.semaphore(0);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    s.acquire();
                  } catch (InterruptedException e) {
                    thrown.set(e);
                  }
                });
    assertThat(t.join(SHORT)).isFalse();
    t.interrupt();
    assertThat(t.join(CHILD_BOUND)).isTrue();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(s.availablePermits()).isZero();
  }

  @Test
  void hold_tryWithResources_givesPermitBack() {
    ProcessSemaphore s = ctx.boundedSemaphore(1);
    try (var _ = s.hold()) {
      assertThat(s.availablePermits()).isZero();
    }
    assertThat(s.availablePermits()).isEqualTo(1);
  }

  @Test
  void acquire_permitReleasedByChild_returns() throws Exception {
    ProcessSemaphore s = ctx.semaphore(0);
    JvmProcess child = new JvmProcess(s::release).start();
    assertThat(s.acquire(CHILD_BOUND)).isTrue();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
  }

  static void acquireForever(ProcessSemaphore s) throws InterruptedException {
    s.acquire();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** The permit of a killed holder comes back to a waiter, and the bound still holds after. */
  @Test
  void acquire_holderKilled_permitGivenBackToWaiter() throws Exception {
    ProcessSemaphore s = ctx.boundedSemaphore(1);
    JvmProcess child = new JvmProcess(ProcessSemaphoreTest::acquireForever, s).start();
    await().atMost(CHILD_BOUND).until(() -> s.availablePermits() == 0);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Boolean> got =
          ex.submit(() -> s.tryAcquire(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS));
      assertThat(s.tryAcquire(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
      child.kill();
      long killedAt = System.nanoTime();
      assertThat(got.get()).isTrue();
      System.out.println(
          "permit given back "
              + Duration.ofNanos(System.nanoTime() - killedAt).toMillis()
              + " ms after SIGKILL of holder");
      ex.submit(() -> s.release()).get();
    }
    assertThat(s.availablePermits()).isEqualTo(1);
    assertThatThrownBy(s::release).isInstanceOf(IllegalStateException.class);
    assertThat(child.join(CHILD_BOUND)).isTrue();
  }

  static void acquireTwoAndReturn(ProcessSemaphore s) throws InterruptedException {
    s.acquire();
    s.acquire();
  }

  @Test
  void acquire_holderExitedHoldingTwo_bothGivenBack() throws Exception {
    ProcessSemaphore s = ctx.semaphore(3);
    JvmProcess child = new JvmProcess(ProcessSemaphoreTest::acquireTwoAndReturn, s).start();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat(s.availablePermits()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      assertThat(s.acquire(CHILD_BOUND)).isTrue();
    }
    assertThat(s.availablePermits()).isZero();
  }

  /** A process that released more than it acquired holds nothing: its death takes nothing back. */
  @Test
  void release_byProcessThatDidNotAcquire_isNotUndoneAtItsEnd() throws Exception {
    ProcessSemaphore s = ctx.semaphore(0);
    JvmProcess child = new JvmProcess(s::release).start();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(s.acquire(CHILD_BOUND)).isTrue();
    assertThat(s.tryAcquire(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
  }

  static final long INSIDE = 0;
  static final long MAX_INSIDE = 8;
  static final long ROUNDS = 16;

  /** Enters the semaphore repeatedly, recording how many processes are inside at once. */
  static void enterRepeatedly(ProcessSemaphore s, String segment, int times) {
    MemorySegment m = SharedSegment.attach(segment).memory();
    for (int i = 0; i < times; i++) {
      s.acquireUninterruptibly();
      try {
        long inside = (long) LONG.getAndAdd(m, INSIDE, 1L) + 1;
        long max;
        do {
          max = (long) LONG.getVolatile(m, MAX_INSIDE);
        } while (inside > max && !LONG.compareAndSet(m, MAX_INSIDE, max, inside));
        LONG.getAndAdd(m, ROUNDS, 1L);
        LONG.getAndAdd(m, INSIDE, -1L);
      } finally {
        s.release();
      }
    }
  }

  @Test
  void acquire_fourProcessesThroughTwoPermits_neverMoreThanTwoInside() throws Exception {
    ProcessSemaphore s = ctx.boundedSemaphore(2);
    SharedSegment shared = segments.create("s", 4096);
    String name = shared.name();
    int times = 5_000;
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(new JvmProcess(() -> enterRepeatedly(s, name, times)).start());
    }
    for (JvmProcess c : children) {
      assertThat(c.join(CHILD_BOUND.multipliedBy(2))).isTrue();
      assertThat(c.exitCode()).hasValue(0);
    }
    MemorySegment m = shared.memory();
    assertThat((long) LONG.getVolatile(m, ROUNDS)).isEqualTo(4L * times);
    assertThat((long) LONG.getVolatile(m, MAX_INSIDE)).isBetween(1L, 2L);
    assertThat(s.availablePermits()).isEqualTo(2);
  }

  @Test
  void toString_showsKindAndPermits() {
    assertThat(ctx.boundedSemaphore(2).toString())
        .matches("BoundedProcessSemaphore#\\d+\\[permits=2, bound=2]");
    assertThat(ctx.semaphore(0).toString()).matches("ProcessSemaphore#\\d+\\[permits=0]");
  }

  static void take(ProcessSemaphore s) throws InterruptedException {
    assertThat(s.acquire(CHILD_BOUND)).isTrue();
  }

  /**
   * A semaphore used as a signal: one process releases, another takes the permit and exits. By
   * default the taker's exit gives the permit back (a waiter gets it); with {@code NONE} it stays
   * taken, as in Python.
   */
  @Test
  void acquire_signalTakenByProcessThatExits_givenBackOnlyWithGiveBack() throws Exception {
    for (ProcessSemaphore.PermitRecovery recovery : ProcessSemaphore.PermitRecovery.values()) {
      ProcessSemaphore s = ctx.semaphore(0, recovery);
      assertThat(s.permitRecovery()).isEqualTo(recovery);
      JvmProcess signaller = new JvmProcess(s::release).start();
      JvmProcess taker = new JvmProcess(ProcessSemaphoreTest::take, s).start();
      for (JvmProcess p : List.of(signaller, taker)) {
        assertThat(p.join(CHILD_BOUND)).isTrue();
        assertThat(p.exitCode()).hasValue(0);
      }
      if (recovery == ProcessSemaphore.PermitRecovery.GIVE_BACK) {
        assertThat(s.acquire(CHILD_BOUND)).as("the taker's permit, given back").isTrue();
      } else {
        // Ten sweeps for dead holders' permits go by while this waits: none may come back.
        assertThat(s.acquire(NO_GIVE_BACK_WAIT)).as("the signal stays consumed").isFalse();
      }
      assertThat(s.availablePermits()).isZero();
    }
  }

  /** With {@code NONE}, the permit of a holder killed by SIGKILL stays taken too. */
  @Test
  void acquire_noRecoveryHolderKilled_permitStaysTaken() throws Exception {
    ProcessSemaphore s = ctx.boundedSemaphore(1, ProcessSemaphore.PermitRecovery.NONE);
    assertThat(s.permitRecovery()).isEqualTo(ProcessSemaphore.PermitRecovery.NONE);
    JvmProcess child = new JvmProcess(ProcessSemaphoreTest::acquireForever, s).start();
    await().atMost(CHILD_BOUND).until(() -> s.availablePermits() == 0);
    child.kill();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(s.acquire(NO_GIVE_BACK_WAIT)).isFalse();
    s.release(); // the bound still counts the taken permit
    assertThatThrownBy(s::release).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void semaphore_defaultRecovery_isGiveBack() {
    assertThat(ctx.semaphore(1).permitRecovery())
        .isEqualTo(ProcessSemaphore.PermitRecovery.GIVE_BACK);
    assertThat(ctx.boundedSemaphore(1).permitRecovery())
        .isEqualTo(ProcessSemaphore.PermitRecovery.GIVE_BACK);
  }
}
