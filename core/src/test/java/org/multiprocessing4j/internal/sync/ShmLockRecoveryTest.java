package org.multiprocessing4j.internal.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ReentrantProcessLock;
import org.multiprocessing4j.ShmCleanup;

/** A lock taken over from a dead holder, seen by the other threads of the recovering process. */
@ExtendWith(ShmCleanup.class)
class ShmLockRecoveryTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);

  /** Thread ids this high are not reached by a fresh child JVM before it makes its own. */
  static final long HIGH_THREAD_ID = 5_000;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  /** In a child: takes the lock twice on a thread whose id is {@code threadId}, and keeps it. */
  @SuppressWarnings("LockNotBeforeTry") // held until the process is killed
  static void holdOnThread(ReentrantProcessLock lock, Long threadId) throws Exception {
    Runnable hold =
        () -> {
          lock.lock();
          lock.lock();
          try {
            Thread.sleep(Long.MAX_VALUE);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    while (true) {
      Thread t = Thread.ofPlatform().unstarted(hold);
      if (t.threadId() == threadId) {
        t.start();
        t.join();
        return;
      }
      if (t.threadId() > threadId) {
        throw new IllegalStateException("thread id " + threadId + " was taken already");
      }
    }
  }

  /**
   * The holder died on a thread whose id a thread of this process also has (every JVM numbers its
   * threads from 1, so this is common: two main threads). While another thread of this process
   * recovers the lock (its compareAndSet of the owner process done, its own thread id not yet
   * written), the thread with the dead holder's id must not find itself holding the lock: it would
   * enter the critical section beside the recoverer (a reentrant hold) or release the recoverer's
   * lock.
   */
  @Test
  void recovery_staleOwnerThreadFromDeadHolder_isNotHeldByThisProcessThreadWithThatId()
      throws Exception {
    ReentrantProcessLock lock = ctx.reentrantLock();
    ShmLock shm = (ShmLock) lock;
    CompletableFuture<Void> checks = new CompletableFuture<>();
    Thread sameId = null;
    while (sameId == null) {
      Thread t =
          Thread.ofPlatform()
              .unstarted(
                  () -> {
                    try {
                      assertThat(lock.isHeldByCurrentThread()).isFalse();
                      assertThat(lock.getHoldCount()).isZero();
                      assertThat(lock.tryLock()).isFalse();
                      assertThatThrownBy(lock::unlock)
                          .isInstanceOf(IllegalMonitorStateException.class);
                      checks.complete(null);
                    } catch (Throwable e) {
                      checks.completeExceptionally(e);
                    }
                  });
      if (t.threadId() >= HIGH_THREAD_ID) {
        sameId = t;
      }
    }
    JvmProcess child =
        new JvmProcess(ShmLockRecoveryTest::holdOnThread, lock, sameId.threadId()).start();
    await().atMost(CHILD_BOUND).until(() -> lock.isLocked() || !child.isAlive());
    assertThat(lock.isLocked())
        .as("the child holds the lock on thread %d (else see its stderr)", sameId.threadId())
        .isTrue();
    child.kill();
    assertThat(child.join(CHILD_BOUND)).isTrue();

    // The first step of a recovery by another thread of this process, as ShmLock.acquire takes it.
    RobustLock robust = new RobustLock(shm.heap().memory(), shm.offset() + LockLayout.OWNER);
    assertThat(robust.lock(CHILD_BOUND.toNanos())).isEqualTo(RobustLock.RECOVERED);
    try {
      sameId.start();
      checks.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      sameId.join();
    } finally {
      robust.unlock();
    }
  }
}
