package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The forms in which tasks travel to workers: a lambda capturing only simple values goes as its
 * names and values, a lambda capturing nothing is encoded and decoded once, anything else is Java
 * serialization. Each must run in the worker exactly as the submitted task would.
 */
@ExtendWith(ChildCleanup.class)
class PoolTaskFormTest {

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  static String describe(
      int i, long l, double d, boolean b, @Nullable String s, @Nullable String none, byte[] bytes) {
    return i + " " + l + " " + d + " " + b + " " + s + " " + none + " " + Arrays.toString(bytes);
  }

  @Test
  void submit_lambdaCapturingSimpleValues_seesTheSameValuesInTheWorker() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      for (int k = 0; k < 3; k++) { // the second and later tasks of a lambda class reuse its names
        int i = -7 + k;
        long l = 1L << 40;
        double d = 0.5;
        boolean b = k % 2 == 0;
        String s = "é" + k;
        String none = null;
        byte[] bytes = {1, 2, (byte) k};
        CompletableFuture<String> f = pool.submit(() -> describe(i, l, d, b, s, none, bytes));
        assertThat(get(f)).isEqualTo(describe(i, l, d, b, s, none, bytes));
      }
    }
  }

  @Test
  void submit_lambdaCapturingOtherValues_runs() throws Exception {
    record Point(int x, int y) implements Serializable {}
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Point p = new Point(2, 3);
      List<String> list = new ArrayList<>(List.of("a", "b"));
      int offset = 10;
      assertThat(get(pool.submit(() -> p.x() * p.y() + list.size() + offset))).isEqualTo(18);
    }
  }

  @Test
  void submit_sameCapturingLambdaManyTimes_eachTaskSeesItsOwnValues() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<CompletableFuture<Integer>> fs = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        int k = i;
        fs.add(pool.submit(() -> k * 2));
      }
      for (int i = 0; i < fs.size(); i++) {
        assertThat(get(fs.get(i))).isEqualTo(i * 2);
      }
    }
  }

  @Test
  void submit_statelessLambdaAndMethodReference_runManyTimes() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<CompletableFuture<Long>> pids = new ArrayList<>();
      List<CompletableFuture<Integer>> ones = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        pids.add(pool.submit(PoolTasks::pid));
        ones.add(pool.submit(() -> 1));
      }
      Set<Long> distinct = new HashSet<>();
      for (int i = 0; i < pids.size(); i++) {
        distinct.add(get(pids.get(i)));
        assertThat(get(ones.get(i))).isEqualTo(1);
      }
      assertThat(distinct).hasSizeBetween(1, 2).doesNotContain(ProcessHandle.current().pid());
    }
  }

  /** A task with state of its own: a worker must never run a decoded instance twice. */
  static final class Counting implements TaskCallable<Integer> {
    @Serial private static final long serialVersionUID = 1L;
    private int calls;

    @Override
    public Integer call() {
      return ++calls;
    }
  }

  @Test
  void submit_sameStatefulTaskTwice_eachRunGetsAFreshCopy() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Counting task = new Counting();
      assertThat(get(pool.submit(task))).isEqualTo(1);
      assertThat(get(pool.submit(task))).isEqualTo(1);
    }
  }

  @Test
  void submit_lambdaCapturingAnUnserializableValue_throwsAtTheCall() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      Object lock = new Object();
      assertThatThrownBy(() -> pool.submit(() -> lock.hashCode()))
          .isInstanceOf(UnserializableValueException.class)
          .hasMessageContaining("java.lang.Object is not serializable");
      assertThat(get(pool.submit(() -> 5))).isEqualTo(5); // the pool goes on
    }
  }

  @Test
  void submit_capturingLambdaThatThrows_failsWithTheRemoteException() throws Exception {
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      String message = "bad input 42";
      CompletableFuture<Integer> f = pool.submit(() -> PoolTasks.fail(message));
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RemoteProcessException.class)
          .hasMessageContaining(message);
    }
  }
}
