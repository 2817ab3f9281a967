package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deadlocks between processes and threads: reported by findDeadlocks, broken by the opt-in
 * detector, which throws in exactly one thread of a cycle. Nothing here can hang: every wait has a
 * bound, and children are killed after each test.
 */
@ExtendWith(ShmCleanup.class)
@SuppressWarnings("LockNotBeforeTry") // the tests build deadlocks on purpose
class DeadlockTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  /**
   * Takes {@code first}, waits until the other party holds its first lock too, then takes {@code
   * second}: with the other party doing the same in the opposite order, a deadlock. If the detector
   * picks this worker, it counts that in {@code broken} and gives up.
   */
  static void worker(
      ProcessLock first, ProcessLock second, ProcessBarrier bothHoldOne, SharedLong broken)
      throws Exception {
    first.lock();
    try {
      bothHoldOne.await(CHILD_BOUND);
      second.lock();
      second.unlock();
    } catch (ProcessDeadlockException e) {
      broken.incrementAndGet();
      System.out.println("worker gave up: " + e.getMessage());
    } finally {
      first.unlock();
    }
  }

  static List<JvmProcess> startOppositeOrder(
      ProcessLock a, ProcessLock b, ProcessBarrier barrier, SharedLong broken) {
    List<JvmProcess> workers = new ArrayList<>();
    workers.add(new JvmProcess(() -> worker(a, b, barrier, broken)).start());
    workers.add(new JvmProcess(() -> worker(b, a, barrier, broken)).start());
    return workers;
  }

  @Test
  void findDeadlocks_twoProcessesOppositeOrder_reportsTheCycle() throws Exception {
    ProcessLock a = ctx.lock();
    ProcessLock b = ctx.lock();
    List<JvmProcess> workers = startOppositeOrder(a, b, ctx.barrier(2), ctx.sharedLong(0));
    List<Deadlock> found = await().atMost(CHILD_BOUND).until(ctx::findDeadlocks, d -> !d.isEmpty());
    assertThat(found).hasSize(1);
    Deadlock d = found.getFirst();
    assertThat(d.waits())
        .extracting(Deadlock.Wait::pid)
        .containsExactlyInAnyOrder(workers.get(0).pid(), workers.get(1).pid());
    assertThat(d.waits())
        .extracting(Deadlock.Wait::waitsFor)
        .containsExactlyInAnyOrder(name(a), name(b));
    assertThat(d.waits()).allMatch(w -> !w.isInThisProcess());
    assertThat(d.toString())
        .contains("pid " + workers.get(0).pid())
        .contains("holds " + name(a) + " and waits for " + name(b))
        .contains("holds " + name(b) + " and waits for " + name(a));
    for (JvmProcess w : workers) {
      w.kill();
    }
  }

  /** Returns the lock's name as reports give it: its toString up to the bracket. */
  static String name(ProcessLock lock) {
    String s = lock.toString();
    return s.substring(0, s.indexOf('['));
  }

  @Test
  void detector_twoProcessesOppositeOrder_exactlyOneGivesUpAndBothFinish() throws Exception {
    ctx.setDeadlockDetection(true);
    ProcessLock a = ctx.lock();
    ProcessLock b = ctx.lock();
    SharedLong broken = ctx.sharedLong(0);
    List<JvmProcess> workers = startOppositeOrder(a, b, ctx.barrier(2), broken);
    for (JvmProcess w : workers) {
      assertThat(w.join(CHILD_BOUND)).isTrue();
      assertThat(w.exitCode()).hasValue(0);
    }
    assertThat(broken.get()).isEqualTo(1);
    assertThat(a.isLocked()).isFalse();
    assertThat(b.isLocked()).isFalse();
    assertThat(ctx.findDeadlocks()).isEmpty();
  }

  @Test
  void detector_threadsOfOneProcess_oneGetsExceptionNamingTheCycle() throws Exception {
    ctx.setDeadlockDetection(true);
    ProcessLock a = ctx.lock();
    ProcessLock b = ctx.lock();
    ProcessBarrier barrier = ctx.barrier(2);
    SharedLong broken = ctx.sharedLong(0);
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      Future<?> one =
          ex.submit(
              () -> {
                worker(a, b, barrier, broken);
                return null;
              });
      Future<?> two =
          ex.submit(
              () -> {
                worker(b, a, barrier, broken);
                return null;
              });
      one.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      two.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }
    assertThat(broken.get()).isEqualTo(1);
  }

  @Test
  void detector_nonReentrantLockTakenTwiceByOneThread_throwsCycleOfOne() {
    ctx.setDeadlockDetection(true);
    ProcessLock a = ctx.lock();
    a.lock();
    try {
      assertThatThrownBy(a::lock)
          .isInstanceOfSatisfying(
              ProcessDeadlockException.class,
              e -> {
                assertThat(e.deadlock().waits()).hasSize(1);
                Deadlock.Wait w = e.deadlock().waits().getFirst();
                assertThat(w.isInThisProcess()).isTrue();
                assertThat(w.threadId()).isEqualTo(Thread.currentThread().threadId());
                assertThat(w.threadName()).isEqualTo(Thread.currentThread().getName());
                assertThat(w.waitsFor()).isEqualTo(name(a));
              });
      assertThat(a.isHeldByCurrentThread()).isTrue(); // still held once
    } finally {
      a.unlock();
    }
  }

  @Test
  void detectorOff_selfDeadlock_waitsAndTimesOutButIsReported() throws Exception {
    ProcessLock a = ctx.lock();
    a.lock();
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<List<Deadlock>> report =
          ex.submit(() -> await().atMost(CHILD_BOUND).until(ctx::findDeadlocks, d -> !d.isEmpty()));
      assertThat(a.tryLock(1_500, TimeUnit.MILLISECONDS)).isFalse(); // no exception: detector off
      assertThat(report.get().getFirst().waits()).hasSize(1);
    } finally {
      a.unlock();
    }
  }

  @Test
  void detector_reentrantLockTakenTwice_isNoDeadlock() {
    ctx.setDeadlockDetection(true);
    ReentrantProcessLock r = ctx.reentrantLock();
    r.lock();
    r.lock();
    assertThat(r.getHoldCount()).isEqualTo(2);
    r.unlock();
    r.unlock();
  }

  /** Runs {@code worker(locks[i], locks[i + 1])} in one thread each, around the ring of locks. */
  static long runRing(ProcessBarrier barrier, SharedLong broken, ProcessLock... locks)
      throws Exception {
    try (ExecutorService ex = Executors.newFixedThreadPool(locks.length)) {
      List<Future<?>> workers = new ArrayList<>();
      for (int i = 0; i < locks.length; i++) {
        ProcessLock first = locks[i];
        ProcessLock second = locks[(i + 1) % locks.length];
        workers.add(
            ex.submit(
                () -> {
                  worker(first, second, barrier, broken);
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return broken.get();
  }

  /** A cycle through three processes and three locks: one gives up, and all three finish. */
  @Test
  void detector_threeProcessesInACycle_exactlyOneGivesUpAndAllFinish() throws Exception {
    ctx.setDeadlockDetection(true);
    ProcessLock a = ctx.lock();
    ProcessLock b = ctx.lock();
    ProcessLock c = ctx.lock();
    ProcessBarrier barrier = ctx.barrier(3);
    SharedLong broken = ctx.sharedLong(0);
    List<JvmProcess> workers =
        List.of(
            new JvmProcess(() -> worker(a, b, barrier, broken)).start(),
            new JvmProcess(() -> worker(b, c, barrier, broken)).start(),
            new JvmProcess(() -> worker(c, a, barrier, broken)).start());
    for (JvmProcess w : workers) {
      assertThat(w.join(CHILD_BOUND)).isTrue();
      assertThat(w.exitCode()).hasValue(0);
    }
    assertThat(broken.get()).isEqualTo(1);
  }

  /** Reentrant locks take part like plain ones (held once or more). */
  @Test
  void detector_reentrantLocksOppositeOrder_exactlyOneGivesUp() throws Exception {
    ctx.setDeadlockDetection(true);
    ReentrantProcessLock a = ctx.reentrantLock();
    ReentrantProcessLock b = ctx.reentrantLock();
    assertThat(runRing(ctx.barrier(2), ctx.sharedLong(0), a, b)).isEqualTo(1);
  }

  /**
   * A cycle through locks of two contexts: each context's waits are in its own table, and the
   * search goes from one table to the other.
   */
  @Test
  void detector_locksOfTwoContexts_exactlyOneGivesUp() throws Exception {
    try (MultiprocessingContext other =
        Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      ctx.setDeadlockDetection(true);
      other.setDeadlockDetection(true);
      ProcessLock a = ctx.lock();
      ProcessLock b = other.lock();
      assertThat(runRing(ctx.barrier(2), ctx.sharedLong(0), a, b)).isEqualTo(1);
    }
  }

  @Test
  void findDeadlocks_locksOfTwoContextsAcrossProcesses_reportsTheCycle() throws Exception {
    try (MultiprocessingContext other =
        Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      ProcessLock a = ctx.lock();
      ProcessLock b = other.lock();
      List<JvmProcess> workers = startOppositeOrder(a, b, ctx.barrier(2), ctx.sharedLong(0));
      for (MultiprocessingContext c : List.of(ctx, other)) {
        List<Deadlock> found =
            await().atMost(CHILD_BOUND).until(c::findDeadlocks, d -> !d.isEmpty());
        assertThat(found).hasSize(1);
        assertThat(found.getFirst().waits())
            .extracting(Deadlock.Wait::pid)
            .containsExactlyInAnyOrder(workers.get(0).pid(), workers.get(1).pid());
      }
      for (JvmProcess w : workers) {
        w.kill();
        assertThat(w.join(CHILD_BOUND)).isTrue();
      }
    }
  }

  /**
   * A thread signalled in {@code ProcessCondition.await} must take its lock again; if the signaller
   * holds that lock and waits for one the awakened thread holds, the cycle is reported.
   */
  @Test
  void findDeadlocks_conditionWaiterReacquiringAgainstSignaller_reportsTheCycle() throws Exception {
    ProcessLock a = ctx.lock();
    ProcessLock b = ctx.lock();
    ProcessCondition signalled = b.newCondition();
    java.util.concurrent.CountDownLatch holdsA = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean sent =
        new java.util.concurrent.atomic.AtomicBoolean();
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      Future<?> waiter =
          ex.submit(
              () -> {
                a.lock();
                try {
                  b.lock();
                  try {
                    holdsA.countDown();
                    while (!sent.get()) {
                      signalled.await(); // releases b; after the signal, waits to take b again
                    }
                  } finally {
                    b.unlock();
                  }
                } finally {
                  a.unlock();
                }
                return null;
              });
      Future<?> signaller =
          ex.submit(
              () -> {
                holdsA.await();
                b.lock(); // free only once the waiter is in await
                try {
                  sent.set(true);
                  signalled.signal();
                  a.lockInterruptibly(); // held by the waiter: a deadlock, until interrupted
                  a.unlock();
                } finally {
                  b.unlock();
                }
                return null;
              });
      List<Deadlock> found =
          await().atMost(CHILD_BOUND).until(ctx::findDeadlocks, d -> !d.isEmpty());
      assertThat(found.getFirst().waits())
          .extracting(Deadlock.Wait::waitsFor)
          .containsExactlyInAnyOrder(name(a), name(b));
      signaller.cancel(true); // interrupts the signaller, which lets b go
      waiter.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
