package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** ThreadPool: the same API as ProcessPoolExecutor, on threads of this JVM. */
class ThreadPoolTest {

  static final Duration BOUND = Duration.ofSeconds(30);

  @Test
  void submit_runsInThisProcessOnAPoolThread() throws Exception {
    try (PoolExecutor pool = new ThreadPool(2)) {
      CompletableFuture<String> f =
          pool.submit(() -> ProcessHandle.current().pid() + " " + Thread.currentThread().getName());
      assertThat(f.get(30, TimeUnit.SECONDS))
          .startsWith(ProcessHandle.current().pid() + " ThreadPool-")
          .contains("-worker-");
    }
  }

  @Test
  void submit_taskThrows_exceptionArrivesAsItself() {
    try (PoolExecutor pool = new ThreadPool(1)) {
      CompletableFuture<Integer> f = pool.submit(() -> PoolTasks.fail("boom"));
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("boom");
    }
  }

  @Test
  void mapFamily_sameResultsAsTheProcessPool() throws Exception {
    try (PoolExecutor pool = new ThreadPool(3)) {
      List<Integer> items = IntStream.range(0, 1000).boxed().toList();
      List<Integer> doubled = items.stream().map(x -> x * 2).toList();
      assertThat(pool.map(x -> x * 2, items).toList()).isEqualTo(doubled);
      assertThat(pool.imap(x -> x * 2, items, 3).toList()).isEqualTo(doubled);
      List<Integer> unordered = new ArrayList<>(pool.imapUnordered(x -> x * 2, items).toList());
      unordered.sort(null);
      assertThat(unordered).isEqualTo(doubled);
      assertThat(pool.starmap((Integer a, Integer b) -> a + b, List.of(Map.entry(1, 2))))
          .containsExactly(3);
      assertThat(pool.apply((Integer x) -> x * 3, 5)).isEqualTo(15);
    }
  }

  @Test
  void map_functionThrows_iteratorEndsWithTheFailure() {
    try (PoolExecutor pool = new ThreadPool(2)) {
      ResultIterator<Integer> it =
          pool.map(x -> x == 2 ? PoolTasks.fail("two") : x, List.of(0, 1, 2, 3));
      assertThat(it.next()).isZero();
      assertThat(it.next()).isOne();
      assertThatThrownBy(it::next)
          .isInstanceOf(CompletionException.class)
          .cause()
          .hasMessage("two");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void cancelTrue_interruptsTheRunningTask() throws Exception {
    try (PoolExecutor pool = new ThreadPool(1)) {
      CountDownLatch started = new CountDownLatch(1);
      AtomicBoolean interrupted = new AtomicBoolean();
      CompletableFuture<?> f =
          pool.submit(
              () -> {
                started.countDown();
                try {
                  Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                  interrupted.set(true);
                }
              });
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      f.cancel(true);
      await().atMost(BOUND).untilTrue(interrupted);
      assertThat(pool.submit(() -> 1).get(30, TimeUnit.SECONDS)).isEqualTo(1);
    }
  }

  @Test
  void submitWithTimeout_overrun_failsWithTimeoutAndInterrupts() {
    try (PoolExecutor pool = new ThreadPool(1)) {
      CompletableFuture<Integer> f =
          pool.submit(
              () -> {
                Thread.sleep(Long.MAX_VALUE);
                return 1;
              },
              Duration.ofMillis(200));
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(TimeoutException.class);
    }
  }

  @Test
  void initializerThrows_poolBreaks() throws Exception {
    ThreadPool pool =
        ThreadPool.builder().workers(2).initializer(() -> PoolTasks.fail("no")).build();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> pool.submit(() -> 1))
        .isInstanceOf(RejectedExecutionException.class)
        .hasCauseInstanceOf(BrokenPoolException.class);
  }

  @Test
  void initializer_runsInEachThreadFirst() throws Exception {
    ThreadLocal<String> local = new ThreadLocal<>();
    try (PoolExecutor pool =
        ThreadPool.builder().workers(2).initializer((String v) -> local.set(v), "set").build()) {
      for (int i = 0; i < 10; i++) {
        assertThat(pool.submit(local::get).get(30, TimeUnit.SECONDS)).isEqualTo("set");
      }
    }
  }

  @Test
  void shutdown_letsTasksFinish_shutdownNowInterrupts() throws Exception {
    ThreadPool pool = new ThreadPool(1);
    CompletableFuture<Integer> f =
        pool.submit(
            () -> {
              Thread.sleep(200);
              return 1;
            });
    CompletableFuture<Integer> g = pool.submit(() -> 2);
    pool.shutdown(true, false);
    assertThat(f).isCompletedWithValue(1);
    assertThat(g).isCompletedWithValue(2);
    assertThat(pool.isTerminated()).isTrue();

    ThreadPool other = new ThreadPool(1);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Integer> blocked =
        other.submit(
            () -> {
              started.countDown();
              Thread.sleep(Long.MAX_VALUE);
              return 1;
            });
    TaskCallable<Integer> never = () -> 2;
    CompletableFuture<Integer> waiting = other.submit(never);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(other.shutdownNow()).hasSize(1);
    assertThat(other.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(blocked).isCancelled();
    assertThat(waiting).isCancelled();
  }
}
