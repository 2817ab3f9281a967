package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ProcessCondition between threads and real child JVMs: signals, timeouts, dead waiters. */
@ExtendWith(ShmCleanup.class)
@SuppressWarnings({"LockNotBeforeTry", "WaitNotInLoop"}) // single waits are what is tested
class ProcessConditionTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final Duration SHORT = Duration.ofMillis(200);

  @TempDir Path dir;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  /** Under the lock: creates {@code flag}, then signals every waiter. */
  static void createAndSignalAll(ProcessCondition c, String flag) throws Exception {
    c.lock().lock();
    try {
      Files.createFile(Path.of(flag));
      c.signalAll();
    } finally {
      c.lock().unlock();
    }
  }

  @Test
  void waitFor_childMakesPredicateTrueAndSignals_returnsTrue() throws Exception {
    ProcessCondition c = ctx.condition();
    Path flag = dir.resolve("flag");
    c.lock().lock();
    try {
      new JvmProcess(ProcessConditionTest::createAndSignalAll, c, flag.toString()).start();
      assertThat(c.waitFor(() -> Files.exists(flag), CHILD_BOUND)).isTrue();
      assertThat(c.lock().isHeldByCurrentThread()).isTrue();
    } finally {
      c.lock().unlock();
    }
  }

  /** Waits once on the condition, and reports it by a file. */
  static void awaitOnceThenReport(ProcessCondition c, String waiting, String woken)
      throws Exception {
    c.lock().lock();
    try {
      Files.createFile(Path.of(waiting));
      c.await();
      Files.createFile(Path.of(woken));
    } finally {
      c.lock().unlock();
    }
  }

  @Test
  void signal_childWaiting_wakesIt() throws Exception {
    ProcessCondition c = ctx.condition();
    Path waiting = dir.resolve("waiting");
    Path woken = dir.resolve("woken");
    String waitingFile = waiting.toString();
    String wokenFile = woken.toString();
    JvmProcess child = new JvmProcess(() -> awaitOnceThenReport(c, waitingFile, wokenFile)).start();
    await().atMost(CHILD_BOUND).until(() -> Files.exists(waiting));
    c.lock().lock(); // free only once the child waits
    try {
      c.signal();
    } finally {
      c.lock().unlock();
    }
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
    assertThat(woken).exists();
  }

  @Test
  void signal_twoWaiters_wakesOneThenTheOther() throws Exception {
    ProcessCondition c = ctx.condition();
    AtomicInteger waiting = new AtomicInteger();
    AtomicInteger woken = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    c.lock().lock();
                    try {
                      waiting.incrementAndGet();
                      c.awaitUninterruptibly();
                      woken.incrementAndGet();
                    } finally {
                      c.lock().unlock();
                    }
                  }));
    }
    awaitWaiters(c, waiting, 2);
    signal(c, 1);
    await().atMost(CHILD_BOUND).until(() -> woken.get() == 1);
    // The woken one ends (within a bound with slack for a loaded machine: not 200 ms per thread).
    await().atMost(CHILD_BOUND).until(() -> threads.stream().anyMatch(t -> !t.isAlive()));
    assertThat(woken.get()).isEqualTo(1); // the other still waits
    assertThat(threads.stream().filter(Thread::isAlive).count()).isEqualTo(1);
    signal(c, 1);
    for (Thread t : threads) {
      assertThat(t.join(CHILD_BOUND)).isTrue();
    }
    assertThat(woken.get()).isEqualTo(2);
  }

  /** Waits until {@code n} threads have entered await (they released the lock to do so). */
  static void awaitWaiters(ProcessCondition c, AtomicInteger waiting, int n) {
    await()
        .atMost(CHILD_BOUND)
        .until(
            () -> {
              c.lock().lock(); // held by a thread until it waits
              try {
                return waiting.get() == n;
              } finally {
                c.lock().unlock();
              }
            });
  }

  static void signal(ProcessCondition c, int n) {
    c.lock().lock();
    try {
      c.signal(n);
    } finally {
      c.lock().unlock();
    }
  }

  @Test
  void signalAll_threeWaiters_wakesAll() throws Exception {
    ProcessCondition c = ctx.condition();
    AtomicInteger waiting = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    c.lock().lock();
                    try {
                      waiting.incrementAndGet();
                      c.awaitUninterruptibly();
                    } finally {
                      c.lock().unlock();
                    }
                  }));
    }
    awaitWaiters(c, waiting, 3);
    c.lock().lock();
    try {
      c.signalAll();
    } finally {
      c.lock().unlock();
    }
    for (Thread t : threads) {
      assertThat(t.join(CHILD_BOUND)).isTrue();
    }
  }

  @Test
  void awaitNanos_noSignal_timesOutWithLockHeld() throws Exception {
    ProcessCondition c = ctx.condition();
    c.lock().lock();
    try {
      long start = System.nanoTime();
      assertThat(c.awaitNanos(SHORT.toNanos())).isLessThanOrEqualTo(0);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
      assertThat(c.await(Duration.ZERO)).isFalse();
      assertThat(c.await(1, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(c.lock().isHeldByCurrentThread()).isTrue();
    } finally {
      c.lock().unlock();
    }
  }

  @Test
  void await_reentrantLockHeldTwice_releasesAllAndRestoresCount() throws Exception {
    ProcessCondition c = ctx.condition();
    ReentrantProcessLock lock = (ReentrantProcessLock) c.lock();
    lock.lock();
    lock.lock();
    try {
      Thread other =
          Thread.ofPlatform()
              .start(
                  () -> {
                    lock.lock(); // possible only while the owner waits
                    try {
                      c.signal();
                    } finally {
                      lock.unlock();
                    }
                  });
      c.await();
      assertThat(lock.getHoldCount()).isEqualTo(2);
      other.join();
    } finally {
      lock.unlock();
      lock.unlock();
    }
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void await_notHoldingLock_throwsIllegalMonitorState() {
    ProcessCondition c = ctx.condition();
    assertThatThrownBy(c::await).isInstanceOf(IllegalMonitorStateException.class);
    assertThatThrownBy(c::signal).isInstanceOf(IllegalMonitorStateException.class);
    assertThatThrownBy(c::signalAll).isInstanceOf(IllegalMonitorStateException.class);
  }

  @Test
  void signal_negative_throwsIllegalArgument() {
    ProcessCondition c = ctx.condition();
    assertThatThrownBy(() -> c.signal(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void await_interrupted_throwsWithLockHeld() throws Exception {
    ProcessCondition c = ctx.condition();
    AtomicReference<Object> result = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  c.lock().lock();
                  try {
                    c.await();
                    result.set("returned");
                  } catch (InterruptedException e) {
                    result.set(c.lock().isHeldByCurrentThread());
                  } finally {
                    c.lock().unlock();
                  }
                });
    assertThat(t.join(SHORT)).isFalse();
    t.interrupt();
    assertThat(t.join(CHILD_BOUND)).isTrue();
    assertThat(result.get()).isEqualTo(true);
  }

  @Test
  void newCondition_ofProcessLock_worksWithThatLock() throws Exception {
    ProcessLock lock = ctx.lock();
    ProcessCondition c = lock.newCondition();
    assertThat(c.lock()).isSameAs(lock);
    lock.lock();
    try {
      assertThat(c.await(Duration.ofMillis(10))).isFalse();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A signal given to a waiter that was killed is not lost: another waiter gets it. The child waits
   * first, so FIFO order hands it the signal.
   */
  @Test
  void signal_firstWaiterKilled_signalPassesToNextWaiter() throws Exception {
    ProcessCondition c = ctx.condition();
    Path waiting = dir.resolve("waiting");
    String waitingFile = waiting.toString();
    String wokenFile = dir.resolve("woken").toString();
    JvmProcess child = new JvmProcess(() -> awaitOnceThenReport(c, waitingFile, wokenFile)).start();
    await().atMost(CHILD_BOUND).until(() -> Files.exists(waiting));
    AtomicInteger localWaiting = new AtomicInteger();
    AtomicReference<Boolean> signalled = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  c.lock().lock();
                  try {
                    localWaiting.incrementAndGet();
                    signalled.set(c.await(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS));
                  } catch (InterruptedException e) {
                    signalled.set(false);
                  } finally {
                    c.lock().unlock();
                  }
                });
    awaitWaiters(c, localWaiting, 1);
    child.kill();
    assertThat(child.join(CHILD_BOUND)).isTrue();
    signal(c, 1); // goes to the dead child, the longest waiting
    assertThat(t.join(CHILD_BOUND)).isTrue();
    assertThat(signalled.get()).isTrue();
  }
}
