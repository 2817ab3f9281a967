package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a process pool fails: workers killed or exiting mid-task, out of memory, a JVM crash,
 * unserializable values in either direction, a failing initializer or JVM option, shutdown during
 * work, and its parent killed. Each failure arrives within a bounded wait; nothing hangs.
 */
@ExtendWith(ChildCleanup.class)
class ProcessPoolFailureTest {

  @TempDir Path dir;

  @SuppressWarnings("NullAway") // results may be null
  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  private static WorkerDiedException died(CompletableFuture<?> f) {
    try {
      get(f);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(WorkerDiedException.class);
      return (WorkerDiedException) java.util.Objects.requireNonNull(e.getCause());
    } catch (Exception e) {
      throw new AssertionError("expected the worker's death, got " + e, e);
    }
    throw new AssertionError("expected the worker's death, the task succeeded");
  }

  @Test
  void workerKilledMidTask_onlyThatTaskFails_andThePoolGoesOn() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      Path marker = dir.resolve("running");
      String m = marker.toString();
      CompletableFuture<Long> victim = pool.submit(() -> PoolTasks.markThenSleep(m));
      List<CompletableFuture<Integer>> others = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        others.add(pool.submit(() -> n));
      }
      await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
      long worker = PoolTasks.readPid(marker);
      ProcessHandle.of(worker).orElseThrow().destroyForcibly();
      WorkerDiedException e = died(victim);
      assertThat(e.exitCode()).isEqualTo(-9);
      assertThat(e.pid()).isEqualTo(worker);
      assertThat(e.getMessage()).contains(e.workerName(), "SIGKILL", "task");
      for (int i = 0; i < 20; i++) {
        assertThat(get(others.get(i))).isEqualTo(i);
      }
      assertThat(get(pool.submit(PoolTasks::pid))).isNotEqualTo(worker);
    }
  }

  @Test
  void systemExitInTask_failsThatTaskWithTheStatus() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      CompletableFuture<Integer> f =
          pool.submit(
              () -> {
                System.exit(7);
                return 0;
              });
      WorkerDiedException e = died(f);
      assertThat(e.exitCode()).isEqualTo(7);
      assertThat(e.getMessage()).contains("exited with status 7");
      assertThat(get(pool.submit(() -> 1))).isEqualTo(1);
    }
  }

  @Test
  void outOfMemoryInTask_failsThatTaskAndReplacesTheWorker() throws Exception {
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(1)
            .options(
                ProcessOptions.builder().jvmOptions("-Xmx64m").stderr(Output.discard()).build())
            .build()) {
      long before = get(pool.submit(PoolTasks::pid));
      CompletableFuture<Integer> f = pool.submit(() -> new long[200_000_000].length);
      WorkerDiedException e = died(f);
      assertThat(e.exitCode()).isEqualTo(1);
      assertThat(e.getMessage()).contains("OutOfMemoryError");
      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              RemoteProcessException.class,
              c -> assertThat(c.remoteClassName()).isEqualTo("java.lang.OutOfMemoryError"));
      assertThat(get(pool.submit(PoolTasks::pid))).isNotEqualTo(before);
    }
  }

  /**
   * Calls libc's {@code abort()} through the FFM API: the process dies of SIGABRT as a JVM does
   * after a crash in native code. (A bad memory access through FFM would not do: the JVM turns it
   * into an InternalError.)
   */
  static void crashTheJvm() throws Throwable {
    java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
    java.lang.invoke.MethodHandle abort =
        linker.downcallHandle(
            linker.defaultLookup().find("abort").orElseThrow(),
            java.lang.foreign.FunctionDescriptor.ofVoid());
    abort.invokeExact();
  }

  static int crash() throws Exception {
    try {
      crashTheJvm();
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    return 0;
  }

  @Test
  void nativeCrashInTask_failsThatTaskWithTheSignal() throws Exception {
    String errorFile = dir.resolve("hs_err_%p.log").toString();
    try (ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(1)
            .options(
                ProcessOptions.builder()
                    .jvmOptions("-XX:ErrorFile=" + errorFile, "-XX:-CreateCoredumpOnCrash")
                    .stdout(Output.discard())
                    .stderr(Output.discard())
                    .build())
            .build()) {
      CompletableFuture<Integer> f = pool.submit(ProcessPoolFailureTest::crash);
      WorkerDiedException e = died(f);
      assertThat(e.exitCode()).isEqualTo(-6);
      assertThat(e.getMessage()).contains("SIGABRT");
      assertThat(get(pool.submit(() -> 1))).isEqualTo(1);
    }
  }

  static String dieOnce(String marker) throws Exception {
    if (!Files.exists(Path.of(marker))) {
      PoolTasks.write(marker, "died once");
      Runtime.getRuntime().halt(3);
    }
    return "ok on retry";
  }

  @Test
  void retries_taskWhoseWorkerDiedRunsAgain() throws Exception {
    String marker = dir.resolve("died").toString();
    try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().workers(1).retries(1).build()) {
      assertThat(get(pool.submit(() -> dieOnce(marker)))).isEqualTo("ok on retry");
    }
  }

  @Test
  void unserializableResult_failsTheFutureNamingTheClass() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      CompletableFuture<Object> f = pool.submit(() -> new Object());
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("java.lang.Object");
      assertThat(get(pool.submit(() -> 1))).isEqualTo(1);
    }
  }

  @Test
  void unserializableMapItem_failsAtItsPositionAfterTheEarlierResults() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      List<Object> items = List.of(1, 2, new Object(), 4);
      ResultIterator<String> it = pool.map(String::valueOf, items);
      assertThat(it.next()).isEqualTo("1");
      assertThat(it.next()).isEqualTo("2");
      assertThatThrownBy(it::next)
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("java.lang.Object");
    }
  }

  @Test
  void workerDiesInAMapChunk_mapFailsAtTheChunksFirstItem_poolKeepsServing() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      List<Integer> items = java.util.stream.IntStream.range(0, 12).boxed().toList();
      ResultIterator<Integer> it = pool.imap(PoolTasks::exitOnSeven, items, 4);
      List<Integer> got = new java.util.ArrayList<>();
      assertThatThrownBy(
              () -> {
                while (it.hasNext()) {
                  got.add(it.next());
                }
              })
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("exited with status 3");
      // The chunk 4..7 died with its worker: its results before 7 are lost with it.
      assertThat(got).containsExactly(0, 1, 2, 3);
      assertThat(it.hasNext()).isFalse();
      assertThat(get(pool.submit(() -> 42))).isEqualTo(42);
    }
  }

  @Test
  void initializerThrows_poolBreaks_futuresFailAndNewTasksAreRejected() throws Exception {
    ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(2)
            .initializer(() -> PoolTasks.fail("no database"))
            .build();
    CompletableFuture<Integer> f = pool.submit(() -> 1);
    assertThatThrownBy(() -> get(f))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(BrokenPoolException.class)
        .hasMessageContaining("initializer")
        .hasMessageContaining("no database");
    assertThatThrownBy(() -> pool.submit(() -> 2))
        .isInstanceOf(RejectedExecutionException.class)
        .hasCauseInstanceOf(BrokenPoolException.class);
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void badJvmOption_poolBreaksWithTheStartError() throws Exception {
    ProcessPoolExecutor pool =
        ProcessPoolExecutor.builder()
            .workers(1)
            .options(ProcessOptions.builder().jvmOptions("-XX:+NoSuchOptionAnywhere").build())
            .build();
    CompletableFuture<Integer> f = pool.submit(() -> 1);
    assertThatThrownBy(() -> get(f))
        .cause()
        .isInstanceOf(BrokenPoolException.class)
        .hasCauseInstanceOf(ProcessStartException.class);
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void shutdownNowDuringWork_everyFutureCompletes() throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(2);
    List<CompletableFuture<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fs.add(
          pool.submit(
              () -> {
                Thread.sleep(500);
                return 1;
              }));
    }
    get(fs.get(0));
    pool.shutdownNow();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(fs).allSatisfy(f -> assertThat(f).isDone());
  }

  @Test
  void shutdownDuringWork_runsWhatWasSubmittedThenStops() throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(2);
    List<CompletableFuture<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      fs.add(
          pool.submit(
              () -> {
                Thread.sleep(100);
                return n;
              }));
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(fs.get(i)).isCompletedWithValue(i);
    }
  }

  /** Runs in a child JVM: starts a pool, publishes its worker pids, then waits forever. */
  static void poolThenWait(String pidFile) throws Exception {
    ProcessPoolExecutor pool = new ProcessPoolExecutor(2);
    List<CompletableFuture<Long>> fs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.add(
          pool.submit(
              () -> {
                Thread.sleep(50);
                return PoolTasks.pid();
              }));
    }
    StringBuilder pids = new StringBuilder();
    for (long pid : fs.stream().map(CompletableFuture::join).distinct().toList()) {
      pids.append(pid).append('\n');
    }
    PoolTasks.write(pidFile, pids.toString());
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void parentKilled_noWorkerSurvivesTwoSeconds() throws Exception {
    Path pidFile = dir.resolve("workers");
    String f = pidFile.toString();
    JvmProcess parent = new JvmProcess(() -> poolThenWait(f)).start();
    await().atMost(POOL_BOUND).until(() -> Files.exists(pidFile));
    List<Long> workers =
        Files.readAllLines(pidFile).stream()
            .filter(s -> !s.isBlank())
            .map(Long::parseLong)
            .toList();
    assertThat(workers).isNotEmpty().allSatisfy(w -> assertThat(PoolTasks.isDead(w)).isFalse());
    parent.kill();
    parent.join();
    await().atMost(Duration.ofSeconds(2)).until(() -> workers.stream().allMatch(PoolTasks::isDead));
  }
}
