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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ProcessBarrier across threads and real child JVMs: rounds, action, broken states, deaths. */
@ExtendWith(ShmCleanup.class)
class ProcessBarrierTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final Duration SHORT = Duration.ofMillis(200);

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
}
