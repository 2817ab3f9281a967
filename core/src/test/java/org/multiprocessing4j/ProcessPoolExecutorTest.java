package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ProcessPoolExecutor across real worker JVMs: the ExecutorService contract and Python's API. */
@ExtendWith(ChildCleanup.class)
class ProcessPoolExecutorTest {

  @TempDir Path dir;

  private static long get(Future<Long> f) throws Exception {
    return f.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void submit_lambda_runsInAWorkerProcess() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      CompletableFuture<Long> pid = pool.submit(() -> ProcessHandle.current().pid());
      assertThat(get(pid)).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(pool.workers()).isEqualTo(1);
    }
  }

  @Test
  void submit_manyTasks_atMostWorkersDistinctPids() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<CompletableFuture<Long>> pids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        pids.add(pool.submit(PoolTasks::pid));
      }
      Set<Long> distinct = new HashSet<>();
      for (CompletableFuture<Long> f : pids) {
        distinct.add(get(f));
      }
      assertThat(distinct).hasSizeBetween(1, 2).doesNotContain(ProcessHandle.current().pid());
    }
  }

  @Test
  void submit_runnableAndResult_completeWithNullAndResult() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      String out = dir.resolve("ran").toString();
      assertThat(pool.submit(() -> PoolTasks.write(out, "yes")).get(60, TimeUnit.SECONDS)).isNull();
      assertThat(Files.readString(Path.of(out))).isEqualTo("yes");
      TaskRunnable nothing = () -> {};
      assertThat(pool.submit(nothing, "done").get(60, TimeUnit.SECONDS)).isEqualTo("done");
    }
  }

  @Test
  void submit_taskThrows_futureFailsWithRemoteTypeMessageAndTrace() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      CompletableFuture<Integer> f = pool.submit(() -> PoolTasks.fail("boom"));
      assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              RemoteProcessException.class,
              e -> {
                assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.remoteMessage()).isEqualTo("boom");
                assertThat(e.getStackTrace())
                    .anySatisfy(s -> assertThat(s.getMethodName()).isEqualTo("fail"));
                assertThat(
                        ((RemoteProcessException) java.util.Objects.requireNonNull(e.getCause()))
                            .remoteClassName())
                    .isEqualTo("java.lang.ArithmeticException");
              });
      // The pool goes on: a task failure is not a worker failure.
      assertThat(pool.submit(() -> 42).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    }
  }

  @Test
  void submit_unserializableCapture_throwsAtTheCallNamingTheClass() {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Thread t = new Thread(() -> {});
      assertThatThrownBy(() -> pool.submit(() -> t.getName()))
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("java.lang.Thread");
    }
  }

  @Test
  void submit_plainCallableLambda_throwsWithAHintToUseTaskCallable() {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Callable<Integer> plain = () -> 1;
      assertThatThrownBy(() -> pool.submit(plain))
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("TaskCallable");
    }
  }

  @Test
  void invokeAll_returnsEveryFutureDoneInOrder() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<TaskCallable<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        int n = i;
        tasks.add(() -> n * n);
      }
      List<Future<Integer>> fs = pool.invokeAll(tasks);
      for (int i = 0; i < 10; i++) {
        assertThat(fs.get(i).isDone()).isTrue();
        assertThat(fs.get(i).get()).isEqualTo(i * i);
      }
    }
  }

  @Test
  void invokeAny_returnsTheResultOfATaskThatSucceeded() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<TaskCallable<Integer>> tasks =
          List.of(() -> PoolTasks.fail("no"), () -> 7, () -> PoolTasks.fail("no"));
      assertThat(pool.invokeAny(tasks, 60, TimeUnit.SECONDS)).isEqualTo(7);
      List<TaskCallable<Integer>> failing = List.of(() -> PoolTasks.fail("a"));
      assertThatThrownBy(() -> pool.invokeAny(failing))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseMessage("java.lang.ArithmeticException: root cause");
    }
  }

  @Test
  void map_resultsInInputOrder_withAndWithoutChunks() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<Integer> items = IntStream.range(0, 1000).boxed().toList();
      List<Integer> expected = items.stream().map(x -> x * 2).toList();
      assertThat(pool.map(x -> x * 2, items).toList()).isEqualTo(expected);
      assertThat(pool.map(x -> x * 2, items, 7, Duration.ofSeconds(60)).toList())
          .isEqualTo(expected);
      assertThat(pool.imap(x -> x * 2, items, 1).toList()).isEqualTo(expected);
    }
  }

  @Test
  void map_numbersAndMixedResults_comeBackWithTheirExactTypes() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<Long> longs = LongStream.range(0, 20_000).map(x -> x << 33).boxed().toList();
      assertThat(pool.map(x -> x + 1, longs).toList())
          .isEqualTo(longs.stream().map(x -> x + 1).toList());
      List<Integer> ints = IntStream.range(0, 20_000).boxed().toList();
      List<Object> mixed = pool.map(x -> x % 1000 == 999 ? (Object) ("s" + x) : x, ints).toList();
      assertThat(mixed).hasSize(ints.size());
      for (int i = 0; i < ints.size(); i++) {
        assertThat(mixed.get(i)).isEqualTo(i % 1000 == 999 ? "s" + i : (Object) i);
      }
      List<Long> widened = pool.imap(x -> (long) x, ints, 100).toList();
      assertThat(widened.stream().map(Object::getClass).distinct()).containsExactly(Long.class);
    }
  }

  @Test
  void imapUnordered_everyResultOnce() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<Integer> items = IntStream.range(0, 500).boxed().toList();
      List<Integer> got = new ArrayList<>(pool.imapUnordered(x -> x + 1, items, 10).toList());
      got.sort(null);
      assertThat(got).isEqualTo(items.stream().map(x -> x + 1).toList());
    }
  }

  @Test
  void map_functionThrows_iteratorThrowsAtThatItemAfterTheEarlierResults() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      ResultIterator<Integer> it =
          pool.map(x -> x == 5 ? PoolTasks.fail("item " + x) : x, List.of(0, 1, 2, 3, 4, 5, 6, 7));
      for (int i = 0; i < 5; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
      assertThatThrownBy(it::next)
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(RemoteProcessException.class)
          .hasMessageContaining("item 5");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void map_timeoutPasses_nextThrowsTimeoutAndTheMapEnds() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      pool.submit(() -> 0).get(60, TimeUnit.SECONDS); // the worker is up
      ResultIterator<Integer> it =
          pool.map(
              x -> {
                Thread.sleep(x);
                return x;
              },
              List.of(0, 60_000),
              1,
              Duration.ofSeconds(3));
      assertThat(it.next()).isZero();
      long start = System.nanoTime();
      assertThatThrownBy(it::next)
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(TimeoutException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void imap_nextWithTimeout_throwsTimeoutAndStaysUsable() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      ResultIterator<Integer> it =
          pool.imap(
              x -> {
                Thread.sleep(x);
                return x;
              },
              List.of(2_000),
              1);
      assertThatThrownBy(() -> it.next(Duration.ofMillis(10))).isInstanceOf(TimeoutException.class);
      assertThat(it.next(POOL_BOUND)).isEqualTo(2_000);
      assertThat(it.hasNext()).isFalse();
    }
  }

  /** Counts how many items an endless input has handed out. */
  static final class Endless implements Iterable<Integer> {
    final AtomicInteger read = new AtomicInteger();

    @Override
    public Iterator<Integer> iterator() {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Integer next() {
          return read.getAndIncrement();
        }
      };
    }
  }

  @Test
  void imap_endlessInput_keepsABoundedNumberOfItemsInFlight() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      Endless input = new Endless();
      try (ResultIterator<Integer> it = pool.imap(x -> x, input, 10)) {
        for (int i = 0; i < 2_000; i++) {
          assertThat(it.next()).isEqualTo(i);
        }
        // 2 workers: a window of 6 chunks of 10 items.
        assertThat(input.read.get()).isBetween(2_000, 2_000 + 60);
      }
    }
  }

  /**
   * With automatic chunks and completion order, the input read ahead of the results taken stays
   * within the window: 2 × workers + 2 chunks of at most {@code MAX_AUTO_CHUNK} (32,768) items.
   */
  @Test
  void imapUnordered_endlessInputAutomaticChunks_readsBoundedAheadOfTheConsumer() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      Endless input = new Endless();
      try (ResultIterator<Integer> it = pool.imapUnordered(x -> x, input)) {
        for (int taken = 1; taken <= 400_000; taken++) {
          it.next();
          assertThat(input.read.get() - taken).isLessThanOrEqualTo(6 * 32_768);
        }
      }
    }
  }

  /** A task's captured values are copied for each run: the worker never shares them. */
  @Test
  void submit_sameLambdaCapturingAMutableList_eachRunGetsItsOwnCopy() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      List<String> list = new ArrayList<>(List.of("a"));
      String text = "x";
      long big = 1L << 40;
      TaskCallable<String> task =
          () -> {
            list.add(text);
            return list + " " + big;
          };
      for (int i = 0; i < 3; i++) {
        assertThat(pool.submit(task).get(60, TimeUnit.SECONDS)).isEqualTo("[a, x] " + (1L << 40));
      }
      assertThat(list).containsExactly("a");
      assertThat(pool.submit(Nested.task(5)).get(60, TimeUnit.SECONDS)).isEqualTo(25);
    }
  }

  /** A lambda whose capturing class is a nested class (not its nest host). */
  static final class Nested {
    static TaskCallable<Integer> task(int n) {
      return () -> n * n;
    }
  }

  @Test
  void starmapApplyAndApplyAsync_work() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      assertThat(
              pool.starmap(
                  (Integer a, Integer b) -> a * b, List.of(Map.entry(2, 3), Map.entry(4, 5))))
          .containsExactly(6, 20);
      assertThat(pool.apply((Integer x) -> x + 1, 41)).isEqualTo(42);
      AtomicInteger calls = new AtomicInteger();
      AtomicLong seen = new AtomicLong();
      CompletableFuture<Integer> f =
          pool.applyAsync(
              (Integer x) -> x * 10,
              3,
              v -> {
                calls.incrementAndGet();
                seen.set(v);
              },
              e -> calls.addAndGet(100));
      assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(30);
      await().atMost(POOL_BOUND).until(() -> calls.get() == 1);
      assertThat(seen.get()).isEqualTo(30);
      AtomicInteger errors = new AtomicInteger();
      CompletableFuture<Integer> g =
          pool.applyAsync(
              (String s) -> PoolTasks.fail(s), "bad", v -> {}, e -> errors.incrementAndGet());
      assertThatThrownBy(() -> g.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
      await().atMost(POOL_BOUND).until(() -> errors.get() == 1);
    }
  }

  @Test
  void cancelTrue_runningTask_killsItsWorkerAndThePoolGoesOn() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Path marker = dir.resolve("running");
      String m = marker.toString();
      CompletableFuture<Long> f = pool.submit(() -> PoolTasks.markThenSleep(m));
      await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
      long worker = PoolTasks.readPid(marker);
      assertThat(f.cancel(true)).isTrue();
      assertThat(f.isCancelled()).isTrue();
      await().atMost(POOL_BOUND).until(() -> PoolTasks.isDead(worker));
      long next = get(pool.submit(PoolTasks::pid));
      assertThat(next).isNotEqualTo(worker);
    }
  }

  @Test
  void cancel_pendingTask_neverRuns() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Path marker = dir.resolve("running");
      Path ran = dir.resolve("ran");
      String m = marker.toString();
      String r = ran.toString();
      CompletableFuture<Long> blocker = pool.submit(() -> PoolTasks.markThenSleep(m));
      CompletableFuture<?> second = pool.submit(() -> PoolTasks.write(r, "ran"));
      await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
      assertThat(second.cancel(false)).isTrue();
      blocker.cancel(true);
      assertThat(get(pool.submit(PoolTasks::pid))).isPositive();
      assertThat(ran).doesNotExist();
      assertThatThrownBy(second::get).isInstanceOf(CancellationException.class);
    }
  }

  /**
   * A task already sent to a worker, queued there behind a running one, and cancelled with {@code
   * cancel(true)}: it must never run, its result must not be awaited, and the pool goes on.
   */
  @Test
  void cancelTrue_taskQueuedInTheWorkerBehindARunningOne_neverRunsAndThePoolGoesOn()
      throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Path marker = dir.resolve("running");
      Path second = dir.resolve("second");
      String m = marker.toString();
      String s2 = second.toString();
      CompletableFuture<Long> blocker = pool.submit(() -> PoolTasks.markThenSleep(m));
      CompletableFuture<Long> queued = pool.submit(() -> PoolTasks.markThenSleep(s2));
      await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
      assertThat(queued.cancel(true)).isTrue();
      blocker.cancel(true);
      long next = get(pool.submit(PoolTasks::pid));
      assertThat(next).isPositive();
      assertThat(second).doesNotExist();
      assertThatThrownBy(queued::get).isInstanceOf(CancellationException.class);
    }
  }

  @Test
  void submitWithTimeout_overrun_killsTheWorkerAndFailsWithTimeout() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Path marker = dir.resolve("running");
      String m = marker.toString();
      CompletableFuture<Long> f =
          pool.submit(() -> PoolTasks.markThenSleep(m), Duration.ofMillis(500));
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("timeout");
      long worker = PoolTasks.readPid(marker);
      await().atMost(POOL_BOUND).until(() -> PoolTasks.isDead(worker));
      assertThat(get(pool.submit(PoolTasks::pid))).isNotEqualTo(worker);
    }
  }

  @Test
  void builderTaskTimeout_appliesToEveryTask() throws Exception {
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder().workers(1).taskTimeout(Duration.ofMillis(500)).build()) {
      String m = dir.resolve("running").toString();
      assertThatThrownBy(() -> get(pool.submit(() -> PoolTasks.markThenSleep(m))))
          .cause()
          .isInstanceOf(TimeoutException.class);
      assertThat(pool.submit(() -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
    }
  }

  @Test
  void shutdownWait_waitsForRunningAndQueuedTasks_thenRejects() throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(1);
    List<CompletableFuture<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      fs.add(
          pool.submit(
              () -> {
                Thread.sleep(200);
                return n;
              }));
    }
    pool.shutdown(true, false);
    assertThat(pool.isShutdown()).isTrue();
    assertThat(pool.isTerminated()).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(fs.get(i)).isCompletedWithValue(i);
    }
    assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void shutdownCancelFutures_cancelsTasksNotStarted() throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(1);
    Path marker = dir.resolve("running");
    String m = marker.toString();
    CompletableFuture<Integer> running =
        pool.submit(
            () -> {
              PoolTasks.write(m, "x");
              Thread.sleep(1_000);
              return 1;
            });
    List<CompletableFuture<Integer>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(pool.submit(() -> 2));
    }
    await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
    pool.shutdown(false, true);
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(running).isCompletedWithValue(1);
    assertThat(waiting).allSatisfy(f -> assertThat(f).isCancelled());
  }

  @Test
  void shutdownNow_cancelsEverything_returnsTasksNeverStarted_workersGone() throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(1);
    Path marker = dir.resolve("running");
    String m = marker.toString();
    CompletableFuture<Long> running = pool.submit(() -> PoolTasks.markThenSleep(m));
    TaskCallable<Integer> queued = () -> 2;
    CompletableFuture<Integer> waiting = pool.submit(queued);
    await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
    long worker = PoolTasks.readPid(marker);
    List<Runnable> never = pool.shutdownNow();
    assertThat(running).isCancelled();
    assertThat(waiting).isCancelled();
    assertThat(never).hasSizeLessThanOrEqualTo(1);
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(PoolTasks.isDead(worker)).isTrue();
  }

  @Test
  void close_stopsTheWorkers() throws Exception {
    long worker;
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      worker = get(pool.submit(PoolTasks::pid));
    }
    await().atMost(POOL_BOUND).until(() -> PoolTasks.isDead(worker));
  }

  static void init(String file, String value) throws Exception {
    PoolTasks.append(file, Long.toString(PoolTasks.pid()));
    PoolTasks.initialized = value;
  }

  @Test
  void initializer_runsOnceInEachWorkerBeforeItsTasks() throws Exception {
    String log = dir.resolve("init.log").toString();
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(2)
            .initializer((String v) -> init(log, v), "ready")
            .build()) {
      List<CompletableFuture<String>> fs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        fs.add(pool.submit(() -> PoolTasks.initialized + "@" + PoolTasks.pid()));
      }
      Set<String> seen = new HashSet<>();
      for (CompletableFuture<String> f : fs) {
        seen.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(seen).allSatisfy(s -> assertThat(s).startsWith("ready@"));
      pool.shutdown(true, false);
      // Each worker that ran a task ran the initializer once, first. On a loaded machine one
      // worker may take all 20 tasks while the other is still starting (and is then shut down).
      List<String> inits = Files.readAllLines(Path.of(log));
      Set<String> taskPids = new HashSet<>();
      seen.forEach(s -> taskPids.add(s.substring("ready@".length())));
      assertThat(inits).doesNotHaveDuplicates().hasSizeBetween(1, 2).containsAll(taskPids);
    }
  }

  @Test
  void maxTasksPerChild_replacesWorkersAfterThatManyTasks() throws Exception {
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder().workers(1).maxTasksPerChild(2).build()) {
      List<Long> pids = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        pids.add(get(pool.submit(PoolTasks::pid)));
      }
      assertThat(new HashSet<>(pids)).hasSize(3);
      assertThat(pids.get(0)).isEqualTo(pids.get(1));
      assertThat(pids.get(2)).isEqualTo(pids.get(3)).isNotEqualTo(pids.get(1));
    }
  }

  @Test
  void options_reachTheWorkerJvms() throws Exception {
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(1)
            .namePrefix("tester")
            .options(
                ProcessOptions.builder()
                    .jvmOptions("-Xmx96m")
                    .systemProperty("pool.test", "hello")
                    .build())
            .build()) {
      CompletableFuture<String> f =
          pool.submit(
              () ->
                  System.getProperty("pool.test")
                      + " "
                      + JvmProcess.current().name()
                      + " "
                      + (Runtime.getRuntime().maxMemory() <= 96L * 1024 * 1024));
      assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("hello tester-1 true");
    }
  }

  @Test
  void worker_cannotStartAPoolOfItsOwn() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      CompletableFuture<String> f =
          pool.submit(
              () -> {
                try {
                  new ProcessPoolExecutor(1).close();
                  return "started";
                } catch (IllegalStateException e) {
                  return e.getMessage();
                }
              });
      assertThat(f.get(60, TimeUnit.SECONDS))
          .contains("daemonic processes are not allowed to have children");
    }
  }

  @Test
  void builder_rejectsBadSettings() {
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().workers(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().workers(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only a distributed context");
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().poolName("no spaces"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().maxTasksPerChild(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().taskTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    Thread t = new Thread(() -> {});
    assertThatThrownBy(() -> ProcessPoolExecutor.builder().initializer(() -> t.getName()).build())
        .isInstanceOf(UnserializableValueException.class);
  }
}
