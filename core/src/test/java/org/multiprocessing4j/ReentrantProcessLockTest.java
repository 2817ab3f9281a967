package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ReentrantProcessLock: hold counts per thread of a process, and a dead owner's holds. */
@ExtendWith(ShmCleanup.class)
@SuppressWarnings("LockNotBeforeTry") // the tests hold locks across assertions on purpose
class ReentrantProcessLockTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void lock_byHolder_countsHoldsAndFreesAtZero() {
    ReentrantProcessLock lock = ctx.reentrantLock();
    assertThat(lock.getHoldCount()).isZero();
    lock.lock();
    assertThat(lock.tryLock()).isTrue();
    try (var _ = lock.hold()) {
      assertThat(lock.getHoldCount()).isEqualTo(3);
    }
    assertThat(lock.getHoldCount()).isEqualTo(2);
    lock.unlock();
    assertThat(lock.isLocked()).isTrue();
    assertThat(lock.getHoldCount()).isEqualTo(1);
    lock.unlock();
    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.getHoldCount()).isZero();
    assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
  }

  @Test
  void tryLock_heldTwiceByOtherThread_returnsFalseUntilFullyReleased() throws Exception {
    ReentrantProcessLock lock = ctx.reentrantLock();
    lock.lock();
    lock.lock();
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      assertThat(ex.submit(() -> lock.tryLock()).get()).isFalse();
      assertThat(ex.submit(() -> lock.getHoldCount()).get()).isZero();
      assertThatThrownBy(() -> ex.submit(lock::unlock).get())
          .hasCauseInstanceOf(IllegalMonitorStateException.class);
      lock.unlock();
      assertThat(ex.submit(() -> lock.tryLock()).get()).isFalse();
      lock.unlock();
      assertThat(
              ex.submit(
                      () -> {
                        boolean got = lock.tryLock(1, TimeUnit.SECONDS);
                        lock.unlock();
                        return got;
                      })
                  .get())
          .isTrue();
    }
  }

  /** Takes the lock three times and keeps it until killed. */
  static void holdThriceForever(ReentrantProcessLock lock) throws InterruptedException {
    lock.lock();
    lock.lock();
    lock.lock();
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void lock_ownerKilledHoldingThrice_nextAcquirerHoldsOnceAndIsToldOwnerDied() throws Exception {
    ReentrantProcessLock lock = ctx.reentrantLock();
    JvmProcess child = new JvmProcess(ReentrantProcessLockTest::holdThriceForever, lock).start();
    await().atMost(CHILD_BOUND).until(lock::isLocked);
    child.kill();
    assertThat(lock.tryLock(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(lock.ownerDied()).isTrue();
    assertThat(lock.getHoldCount()).isEqualTo(1);
    lock.markConsistent();
    lock.unlock();
    assertThat(lock.isLocked()).isFalse();
    assertThat(child.join(CHILD_BOUND)).isTrue();
  }

  @Test
  void toString_namesKindAndHolder() {
    ReentrantProcessLock lock = ctx.reentrantLock();
    assertThat(lock.toString()).matches("ReentrantProcessLock#\\d+\\[unlocked]");
    lock.lock();
    assertThat(lock.toString())
        .contains("locked by pid " + ProcessHandle.current().pid())
        .contains("thread " + Thread.currentThread().threadId());
    lock.unlock();
  }
}
