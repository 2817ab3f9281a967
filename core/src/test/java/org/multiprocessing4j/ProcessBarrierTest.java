package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ProcessBarrier across threads and real child JVMs: rounds, action, broken states, deaths. */
@ExtendWith({ChildCleanup.class, ShmCleanup.class})
class ProcessBarrierTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final Duration SHORT = Duration.ofMillis(200);
  static final Duration BROKEN_BOUND = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  static void awaitAndWriteIndex(ProcessBarrier b, String file) throws Exception {
    int index = b.await();
    Files.writeString(Path.of(file), Integer.toString(index));
  }

  @Test
  void await_parentAndTwoChildren_allReleasedWithDistinctIndices() throws Exception {
    ProcessBarrier b = ctx.barrier(3);
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      children.add(
          new JvmProcess(ProcessBarrierTest::awaitAndWriteIndex, b, dir.resolve("i" + i).toString())
              .start());
    }
    int mine = b.await(CHILD_BOUND);
    Set<Integer> indices = ConcurrentHashMap.newKeySet();
    indices.add(mine);
    for (int i = 0; i < 2; i++) {
      assertThat(children.get(i).join(CHILD_BOUND)).isTrue();
      assertThat(children.get(i).exitCode()).hasValue(0);
      indices.add(Integer.parseInt(Files.readString(dir.resolve("i" + i))));
    }
    assertThat(indices).containsExactlyInAnyOrder(0, 1, 2);
    assertThat(b.isBroken()).isFalse();
    assertThat(b.numberWaiting()).isZero();
  }

  static final AtomicInteger ACTIONS = new AtomicInteger();

  @Test
  void await_twoRoundsOfThreeThreads_actionRunsOncePerRoundByLastParty() throws Exception {
    ACTIONS.set(0);
    ProcessBarrier b = ctx.barrier(3, ACTIONS::incrementAndGet, null);
    assertThat(b.parties()).isEqualTo(3);
    try (ExecutorService ex = Executors.newFixedThreadPool(3)) {
      for (int round = 1; round <= 2; round++) {
        List<Future<Integer>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          fs.add(ex.submit(() -> b.await()));
        }
        List<Integer> indices = new ArrayList<>();
        for (Future<Integer> f : fs) {
          indices.add(f.get());
        }
        assertThat(indices).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(ACTIONS.get()).isEqualTo(round);
      }
    }
  }

  @Test
  void await_timeout_throwsTimeoutAndBreaksBarrierUntilReset() throws Exception {
    ProcessBarrier b = ctx.barrier(2);
    assertThatThrownBy(() -> b.await(SHORT)).isInstanceOf(TimeoutException.class);
    assertThat(b.isBroken()).isTrue();
    assertThatThrownBy(() -> b.await(SHORT)).isInstanceOf(BrokenBarrierException.class);
    b.reset();
    assertThat(b.isBroken()).isFalse();
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> other = ex.submit(() -> b.await(CHILD_BOUND));
      assertThat(b.await(CHILD_BOUND) + other.get()).isEqualTo(1);
    }
  }

  @Test
  void await_defaultTimeoutElapses_throwsBroken() {
    ProcessBarrier b = ctx.barrier(2, null, SHORT);
    assertThatThrownBy(b::await)
        .isInstanceOf(BrokenBarrierException.class)
        .hasCauseInstanceOf(TimeoutException.class);
    assertThat(b.isBroken()).isTrue();
  }

  @Test
  void abort_whileOtherWaits_itGetsBroken() throws Exception {
    ProcessBarrier b = ctx.barrier(2);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> waiter = ex.submit(() -> b.await(CHILD_BOUND));
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
      b.abort();
      assertThatThrownBy(waiter::get).hasCauseInstanceOf(BrokenBarrierException.class);
    }
    assertThat(b.isBroken()).isTrue();
  }

  @Test
  void reset_whileOtherWaits_itGetsBrokenAndBarrierWorksAfter() throws Exception {
    ProcessBarrier b = ctx.barrier(2);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> waiter = ex.submit(() -> b.await(CHILD_BOUND));
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
      b.reset();
      assertThatThrownBy(waiter::get).hasCauseInstanceOf(BrokenBarrierException.class);
      assertThat(b.isBroken()).isFalse();
      Future<Integer> again = ex.submit(() -> b.await(CHILD_BOUND));
      assertThat(b.await(CHILD_BOUND) + again.get()).isEqualTo(1);
    }
  }

  @Test
  void await_actionThrows_lastPartyGetsItAndOthersGetBroken() throws Exception {
    ProcessBarrier b =
        ctx.barrier(
            2,
            () -> {
              throw new IllegalStateException("action failed");
            },
            null);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> first = ex.submit(() -> b.await(CHILD_BOUND));
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
      assertThatThrownBy(() -> b.await(CHILD_BOUND)).hasMessage("action failed");
      assertThatThrownBy(first::get).hasCauseInstanceOf(BrokenBarrierException.class);
    }
  }

  @Test
  void barrier_lessThanOneParty_throwsIllegalArgument() {
    assertThatThrownBy(() -> ctx.barrier(0)).isInstanceOf(IllegalArgumentException.class);
  }

  static void awaitForever(ProcessBarrier b) throws Exception {
    b.await();
  }

  /** A party killed while waiting breaks the barrier for the others, who do not wait forever. */
  @Test
  void await_partyKilledWhileWaiting_othersGetBroken() throws Exception {
    ProcessBarrier b = ctx.barrier(3);
    JvmProcess child = new JvmProcess(ProcessBarrierTest::awaitForever, b).start();
    await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> waiter = ex.submit(() -> b.await());
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 2);
      child.kill();
      assertThatThrownBy(
              () -> waiter.get(CHILD_BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
          .hasCauseInstanceOf(BrokenBarrierException.class)
          .cause()
          .hasMessageContaining("a party died: process " + child.pid());
    }
    assertThat(b.isBroken()).isTrue();
    assertThat(child.join(CHILD_BOUND)).isTrue();
  }

  /** Says it has the barrier, then never arrives: a party that will die before arriving. */
  static void holdWithoutArriving(ProcessBarrier b, ProcessEvent ready) throws Exception {
    ready.set();
    new java.util.concurrent.CountDownLatch(1).await(); // until killed
  }

  /** Has the barrier (it travelled here with the task) and ends normally without arriving. */
  static void haveAndLeave(ProcessBarrier b) {
    assertThat(b.parties()).isPositive();
  }

  /**
   * A party killed before it arrives breaks the round for the others at once (within a sweep), not
   * when their 60 s timeout passes; after reset the barrier works again without it.
   */
  @Test
  void await_partyKilledBeforeArriving_othersGetBrokenPromptly() throws Exception {
    assertBrokenByDeathBeforeArriving(false);
  }

  /** The same when the party is ended by SIGTERM, which runs its shutdown hooks. */
  @Test
  void await_partyTerminatedBeforeArriving_othersGetBrokenPromptly() throws Exception {
    assertBrokenByDeathBeforeArriving(true);
  }

  private void assertBrokenByDeathBeforeArriving(boolean terminate) throws Exception {
    ProcessBarrier b = ctx.barrier(2);
    ProcessEvent ready = ctx.event();
    JvmProcess doomed = new JvmProcess(ProcessBarrierTest::holdWithoutArriving, b, ready).start();
    assertThat(ready.await(CHILD_BOUND)).isTrue();
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> waiter = ex.submit(() -> b.await(CHILD_BOUND));
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
      long killedAt = System.nanoTime();
      if (terminate) {
        doomed.terminate();
      } else {
        doomed.kill();
      }
      assertThatThrownBy(() -> waiter.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS))
          .hasCauseInstanceOf(BrokenBarrierException.class)
          .cause()
          .hasMessageContaining("process " + doomed.pid())
          .hasMessageContaining("killed before it arrived");
      // Far sooner than the waiter's own timeout (a sweep is 50 ms; slack for a loaded machine).
      assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(BROKEN_BOUND);
    }
    assertThat(doomed.join(CHILD_BOUND)).isTrue();
    assertThat(b.isBroken()).isTrue();

    b.reset();
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> other = ex.submit(() -> b.await(CHILD_BOUND));
      int mine = b.await(CHILD_BOUND);
      assertThat(Set.of(mine, other.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS)))
          .containsExactlyInAnyOrder(0, 1);
    }
  }

  /**
   * A process that had the barrier and ended normally withdrew: a round waiting for another party
   * is not broken by its exit, and completes when that party arrives.
   */
  @Test
  void await_processHadBarrierAndExitedNormally_roundNotBroken() throws Exception {
    ProcessBarrier b = ctx.barrier(2);
    JvmProcess leaver = new JvmProcess(ProcessBarrierTest::haveAndLeave, b).start();
    assertThat(leaver.join(CHILD_BOUND)).isTrue();
    assertThat(leaver.exitCode()).hasValue(0);
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Integer> waiter = ex.submit(() -> b.await(CHILD_BOUND));
      await().atMost(CHILD_BOUND).until(() -> b.numberWaiting() == 1);
      // The waiter sweeps for dead members every 50 ms while the late party starts (seconds).
      JvmProcess late =
          new JvmProcess(ProcessBarrierTest::awaitAndWriteIndex, b, dir.resolve("late").toString())
              .start();
      assertThat(waiter.get(CHILD_BOUND.toMillis(), TimeUnit.MILLISECONDS)).isZero();
      assertThat(late.join(CHILD_BOUND)).isTrue();
      assertThat(late.exitCode()).hasValue(0);
    }
    assertThat(b.isBroken()).isFalse();
  }
}
