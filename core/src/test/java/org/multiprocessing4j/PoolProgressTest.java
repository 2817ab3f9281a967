package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Progress listeners of maps, with real worker JVMs (and once with threads). */
@ExtendWith(ChildCleanup.class)
class PoolProgressTest {

  private static final Duration FAST = Duration.ofMillis(10);

  /** Records every call and the thread that made it. */
  private static final class Recorder implements ProgressListener {
    final List<Progress> calls = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onProgress(Progress p) {
      calls.add(p);
      threads.add(Thread.currentThread().getName());
    }

    Progress last() {
      await().atMost(POOL_BOUND).until(() -> !calls.isEmpty() && calls.getLast().finished());
      return calls.getLast();
    }

    void assertWellFormed() {
      long before = -1;
      for (Progress p : calls) {
        assertThat(p.done()).isGreaterThanOrEqualTo(before);
        before = p.done();
      }
      assertThat(calls.stream().filter(Progress::finished)).hasSize(1);
      assertThat(threads).containsOnly(ProgressListener.THREAD_NAME);
    }
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  /** An input that is not a Collection, so its size is unknown until its end. */
  private static Iterable<Integer> generator(int n) {
    return () -> range(n).iterator();
  }

  /** Counts up from 0 for ever. */
  private static final class Endless implements Iterable<Integer> {
    @Override
    public Iterator<Integer> iterator() {
      return new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Integer next() {
          return next++;
        }
      };
    }
  }

  @Test
  void imapUnordered_collection_reportsDoneOfKnownTotalFromTheProgressThread() throws Exception {
    Recorder r = new Recorder();
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2);
        ResultIterator<Integer> it =
            pool.imapUnordered(
                PoolTasks::slowSquare,
                range(200),
                MapOptions.defaults().chunksize(5).progressInterval(FAST).progress(r))) {
      long sum = 0;
      while (it.hasNext()) {
        sum += it.next();
      }
      assertThat(sum).isEqualTo(IntStream.range(0, 200).mapToLong(i -> (long) i * i).sum());
      Progress last = r.last();
      assertThat(last.done()).isEqualTo(200);
      assertThat(last.total()).hasValue(200);
      assertThat(last.fraction()).hasValue(1.0);
      assertThat(last.rate()).isPositive();
      // Reports came while the map ran, not only at its end; before the end the total was known.
      assertThat(r.calls.size()).isGreaterThan(1);
      assertThat(r.calls.getFirst().total()).hasValue(200);
      assertThat(r.calls.getFirst().finished()).isFalse();
    }
    r.assertWellFormed();
  }

  @Test
  void imap_generator_totalBecomesKnownWhenTheInputEnds() throws Exception {
    Recorder r = new Recorder();
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      List<Integer> out =
          pool.<Integer, Integer>imap(
                  x -> x + 1,
                  generator(1000),
                  MapOptions.defaults().progressInterval(FAST).progress(r))
              .toList();
      assertThat(out).isEqualTo(IntStream.range(1, 1001).boxed().toList());
    }
    Progress last = r.last();
    assertThat(last.done()).isEqualTo(1000);
    assertThat(last.total()).hasValue(1000);
    r.assertWellFormed();
  }

  @Test
  void imap_endlessInput_totalUnknown_finalReportAtClose() throws Exception {
    Recorder r = new Recorder();
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      try (ResultIterator<Integer> it =
          pool.imap(
              x -> x * 2,
              new Endless(),
              MapOptions.defaults().progressInterval(FAST).progress(r))) {
        for (int i = 0; i < 5000; i++) {
          assertThat(it.next()).isEqualTo(2 * i);
        }
        await().atMost(POOL_BOUND).until(() -> !r.calls.isEmpty());
        assertThat(r.calls.getFirst().finished()).isFalse();
      }
      Progress last = r.last();
      assertThat(last.total()).isEmpty();
      assertThat(last.fraction()).isEmpty();
      assertThat(last.remaining()).isEmpty();
      assertThat(last.done()).isGreaterThanOrEqualTo(5000);
    }
    r.assertWellFormed();
  }

  /** The listener runs on its own thread: while it is stuck, workers and results go on. */
  @Test
  void imap_blockedListener_doesNotHoldUpWorkersOrResults() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    Recorder r = new Recorder();
    ProgressListener stuck =
        p -> {
          r.onProgress(p);
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(2)) {
      ResultIterator<Integer> it =
          pool.imap(
              PoolTasks::slowSquare,
              range(100),
              MapOptions.defaults().chunksize(2).progressInterval(FAST).progress(stuck));
      assertThat(it.next()).isZero();
      assertThat(entered.await(POOL_BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      List<Integer> rest = it.toList(); // all 99 other results arrive with the listener stuck
      assertThat(rest).hasSize(99);
      assertThat(r.calls).hasSize(1);
      release.countDown();
      Progress last = r.last();
      assertThat(last.done()).isEqualTo(100);
    } finally {
      release.countDown();
    }
    r.assertWellFormed();
  }

  @Test
  void imap_listenerThrows_mapGoesOnAndListenerIsNotCalledAgain() throws Exception {
    List<Progress> calls = new CopyOnWriteArrayList<>();
    ProgressListener bad =
        p -> {
          calls.add(p);
          throw new IllegalStateException("listener bug");
        };
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      List<Integer> out =
          pool.<Integer, Integer>imap(
                  PoolTasks::slowSquare,
                  range(40),
                  MapOptions.defaults().chunksize(1).progressInterval(FAST).progress(bad))
              .toList();
      assertThat(out).hasSize(40);
    }
    await().atMost(POOL_BOUND).until(() -> !calls.isEmpty());
    // The failure is final: give a few more intervals for a wrong second call to show up.
    CountDownLatch never = new CountDownLatch(1);
    assertThat(never.await(200, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(calls).hasSize(1);
  }

  @Test
  void map_workerDies_finalReportCountsTheFailedChunk() throws Exception {
    Recorder r = new Recorder();
    try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
      ResultIterator<Integer> it =
          pool.map(
              PoolTasks::exitOnSeven,
              range(10),
              MapOptions.defaults().chunksize(1).progressInterval(FAST).progress(r));
      List<Integer> got = new ArrayList<>();
      assertThatThrownBy(
              () -> {
                while (it.hasNext()) {
                  got.add(it.next());
                }
              })
          .hasCauseInstanceOf(WorkerDiedException.class);
      assertThat(got).containsExactly(0, 1, 2, 3, 4, 5, 6);
      Progress last = r.last();
      assertThat(last.done()).isGreaterThanOrEqualTo(8);
      assertThat(last.finished()).isTrue();
    }
    r.assertWellFormed();
  }

  @Test
  void threadPool_sameListener_sameReports() throws Exception {
    Recorder r = new Recorder();
    try (PoolExecutor pool = new ThreadPool(2)) {
      List<Integer> out =
          pool.<Integer, Integer>imapUnordered(
                  x -> x, range(300), MapOptions.defaults().progressInterval(FAST).progress(r))
              .toList();
      assertThat(out).hasSize(300);
    }
    Progress last = r.last();
    assertThat(last.done()).isEqualTo(300);
    assertThat(last.total()).hasValue(300);
    r.assertWellFormed();
  }

  @Test
  void emptyInput_oneFinalReportOfZero() {
    Recorder r = new Recorder();
    try (PoolExecutor pool = new ThreadPool(1)) {
      assertThat(pool.imap(x -> x, List.of(), MapOptions.defaults().progress(r)).toList())
          .isEmpty();
    }
    Progress last = r.last();
    assertThat(last.done()).isZero();
    assertThat(last.fraction()).hasValue(1.0);
    r.assertWellFormed();
  }

  @Test
  void mapOptions_badValues_throwAtTheCall() {
    MapOptions o = MapOptions.defaults();
    assertThatThrownBy(() -> o.chunksize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> o.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.progressInterval(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Progress(-1, 5, Duration.ZERO, false))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(o.chunksize(3).timeout(Duration.ofSeconds(1)).chunksize()).isEqualTo(3);
    assertThat(o.progress()).isEmpty();
  }

  @Test
  void progress_remainingAndToString() {
    Progress p = new Progress(250, 1000, Duration.ofSeconds(1), false);
    assertThat(p.rate()).isEqualTo(250.0);
    assertThat(p.remaining()).hasValue(Duration.ofSeconds(3));
    assertThat(p.toString()).contains("250/1000");
    assertThat(new Progress(3, -1, Duration.ofSeconds(1), true).toString()).contains("3/?");
  }
}
