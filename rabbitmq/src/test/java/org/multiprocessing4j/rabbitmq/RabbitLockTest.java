package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.multiprocessing4j.Held;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessEvent;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.ProcessSemaphore;
import org.multiprocessing4j.SharedLong;

/** Locks and semaphores as broker token queues, across JVMs, with a holder killed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RabbitLockTest extends TestContexts {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Read-sleep-write increments under the lock from two JVMs lose nothing. */
  @Test
  void lock_twoJvms_mutualExclusion() throws Exception {
    ProcessLock lock = ctx.lock();
    try (MultiprocessingContext local =
        Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      SharedLong counter = local.sharedLong(0);
      JvmProcess[] ps = new JvmProcess[2];
      for (int p = 0; p < 2; p++) {
        ps[p] =
            ctx.process(
                    () -> {
                      for (int i = 0; i < 15; i++) {
                        lock.lock();
                        try {
                          long v = counter.get();
                          Thread.sleep(2); // the other process would step in here
                          counter.set(v + 1);
                        } finally {
                          lock.unlock();
                        }
                      }
                    })
                .start();
      }
      for (JvmProcess p : ps) {
        assertThat(p.join(WAIT)).isTrue();
        assertThat(p.exitCode()).hasValue(0);
      }
      assertThat(counter.get()).isEqualTo(30);
      assertThat(lock.isLocked()).isFalse();
    }
  }

  /** A holder killed with SIGKILL: its token comes back, and the next holder sees owner-died. */
  @Test
  void lock_holderKilled_tokenReturnsWithOwnerDied() throws Exception {
    ProcessLock lock = ctx.lock();
    ProcessQueue<String> signal = ctx.queue();
    JvmProcess holder =
        ctx.process(
                () -> {
                  lock.lock();
                  signal.put("held");
                  Thread.sleep(Long.MAX_VALUE);
                })
            .start();
    assertThat(signal.get(WAIT)).isEqualTo("held");
    assertThat(lock.tryLock()).isFalse();
    assertThat(lock.isLocked()).isTrue();
    holder.kill();
    holder.join();
    assertThat(lock.tryLock(60, TimeUnit.SECONDS)).isTrue();
    assertThat(lock.ownerDied()).isTrue();
    lock.unlock(); // not marked consistent: the state is carried on
    try (Held h = lock.hold()) {
      assertThat(h.ownerDied()).isTrue();
      lock.markConsistent();
    }
    try (Held h = lock.hold()) {
      assertThat(h.ownerDied()).isFalse();
    }
  }

  @Test
  void lock_misuse_clearExceptions() {
    ProcessLock lock = ctx.lock();
    assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    assertThat(lock.tryLock()).isTrue();
    assertThatThrownBy(lock::tryLock).hasMessageContaining("not reentrant");
    lock.unlock();
    assertThatThrownBy(() -> ctx.semaphore(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void semaphore_permitsTakenAndReturned() throws Exception {
    ProcessSemaphore s = ctx.boundedSemaphore(2);
    assertThat(s.availablePermits()).isEqualTo(2);
    assertThat(s.tryAcquire()).isTrue();
    assertThat(s.tryAcquire()).isTrue();
    assertThat(s.tryAcquire(100, TimeUnit.MILLISECONDS)).isFalse();
    s.release();
    assertThat(s.tryAcquire()).isTrue();
    s.release(2);
    assertThat(s.availablePermits()).isEqualTo(2);
    assertThatThrownBy(s::release).isInstanceOf(IllegalStateException.class);
    ProcessSemaphore unbounded = ctx.semaphore(0);
    assertThat(unbounded.tryAcquire()).isFalse();
    unbounded.release();
    assertThat(unbounded.tryAcquire()).isTrue();
  }

  @Test
  void event_setInChild_waiterInParentWakes() throws Exception {
    ProcessEvent e = ctx.event();
    assertThat(e.isSet()).isFalse();
    assertThat(e.await(Duration.ofMillis(100))).isFalse();
    JvmProcess setter = ctx.process(e::set).start();
    assertThat(e.await(WAIT)).isTrue();
    assertThat(setter.join(WAIT)).isTrue();
    e.set(); // twice: still one flag
    e.clear();
    assertThat(e.isSet()).isFalse();
  }

  /** A child holds a permit; when it is killed the permit returns by itself. */
  @Test
  void semaphore_holderKilled_permitReturns() throws Exception {
    ProcessSemaphore s = ctx.semaphore(1);
    ProcessQueue<String> signal = ctx.queue();
    JvmProcess holder =
        ctx.process(
                () -> {
                  s.acquire();
                  signal.put("held");
                  Thread.sleep(Long.MAX_VALUE);
                })
            .start();
    assertThat(signal.get(WAIT)).isEqualTo("held");
    assertThat(s.tryAcquire()).isFalse();
    holder.kill();
    holder.join();
    assertThat(s.tryAcquire(60, TimeUnit.SECONDS)).isTrue();
  }
}
