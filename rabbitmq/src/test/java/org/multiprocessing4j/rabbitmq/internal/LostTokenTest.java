package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessSemaphore;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * A lock or semaphore whose token channel closes while it is held (as the broker's consumer_timeout
 * closes it after 30 minutes): the broker hands the token on, the holder no longer counts as
 * holding it, and its unlock or release says the hold was lost instead of passing quietly or adding
 * a permit.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LostTokenTest {

  private static final byte[] KEY =
      "lost-token-test-key-of-32-bytes!".getBytes(StandardCharsets.UTF_8);

  private RabbitContext ctx;

  @BeforeEach
  void open(RabbitBroker.Broker broker) {
    ctx = RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-lost").build();
  }

  @AfterEach
  void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  @SuppressWarnings("LockNotBeforeTry") // the test is about an unlock that fails
  void lockWhoseChannelClosed_isTakenByTheNext_andItsUnlockSaysItWasLost() throws Exception {
    ProcessLock lock = ctx.lock();
    lock.lock();
    ((RabbitLock) lock).tokens.channelForTest().abort();

    CompletableFuture<Boolean> next =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                boolean got = lock.tryLock(30, TimeUnit.SECONDS);
                boolean died = lock.ownerDied();
                lock.unlock();
                return got && died;
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(next.get(60, TimeUnit.SECONDS))
        .as("the next taker got the lock, told that its holder lost it")
        .isTrue();
    assertThat(lock.isHeldByCurrentThread()).isFalse();
    assertThatThrownBy(lock::unlock)
        .isInstanceOf(IllegalMonitorStateException.class)
        .hasMessageContaining("was lost while held")
        .hasMessageContaining("consumer_timeout");
    assertThat(lock.tryLock()).as("the lock works on").isTrue();
    lock.unlock();
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void semaphorePermitLost_releaseSaysSo_andAddsNoPermit() throws Exception {
    ProcessSemaphore sem = ctx.semaphore(2);
    assertThat(sem.tryAcquire()).isTrue();
    ((RabbitSemaphore) sem).tokens.channelForTest().abort();

    assertThatThrownBy(sem::release)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was lost while held");
    // The broker put the permit back by itself; the failed release added none.
    assertThat(sem.availablePermits()).isEqualTo(2);
    assertThat(sem.tryAcquire()).isTrue();
    sem.release();
    assertThat(sem.availablePermits()).isEqualTo(2);
  }
}
