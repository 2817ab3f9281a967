package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** JFR events of a real process pool run: tasks that succeed and fail, and a killed worker. */
@ExtendWith(ChildCleanup.class)
class PoolJfrTest {

  @TempDir Path dir;

  private static List<RecordedEvent> named(List<RecordedEvent> all, String name) {
    return all.stream()
        .filter(e -> e.getEventType().getName().equals("org.multiprocessing4j." + name))
        .toList();
  }

  @Test
  void recording_poolRunWithFailureAndKilledWorker_hasTaskAndWorkerEvents() throws Exception {
    Path jfr = dir.resolve("pool.jfr");
    long victimPid;
    String poolName;
    try (Recording recording = new Recording()) {
      recording.enable("org.multiprocessing4j.TaskSubmitted");
      recording.enable("org.multiprocessing4j.TaskStarted");
      recording.enable("org.multiprocessing4j.TaskFinished");
      recording.enable("org.multiprocessing4j.TaskFailed");
      recording.enable("org.multiprocessing4j.WorkerStarted");
      recording.enable("org.multiprocessing4j.WorkerDied");
      recording.start();
      try (ProcessPoolExecutor pool =
          ProcessPoolExecutor.builder().workers(2).namePrefix("jfr").build()) {
        poolName = pool.toString().substring(0, pool.toString().indexOf('['));
        List<CompletableFuture<Integer>> ok = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          int n = i;
          ok.add(pool.submit(() -> n));
        }
        for (CompletableFuture<Integer> f : ok) {
          f.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
        }
        CompletableFuture<Integer> failing = pool.submit(() -> PoolTasks.fail("jfr boom"));
        try {
          failing.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
          // The event is what this test reads.
        }
        Path marker = dir.resolve("running");
        String m = marker.toString();
        CompletableFuture<Long> victim = pool.submit(() -> PoolTasks.markThenSleep(m));
        await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
        victimPid = PoolTasks.readPid(marker);
        ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();
        try {
          victim.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
          assertThat(expected.getCause()).isInstanceOf(WorkerDiedException.class);
        }
      }
      recording.stop();
      recording.dump(jfr);
    }
    List<RecordedEvent> all =
        RecordingFile.readAllEvents(jfr).stream()
            .filter(e -> poolName.equals(e.getString("pool")))
            .toList();

    assertThat(named(all, "TaskSubmitted")).hasSize(5);
    assertThat(named(all, "TaskStarted")).hasSize(5);
    List<RecordedEvent> finished = named(all, "TaskFinished");
    assertThat(finished).hasSize(3);
    assertThat(finished)
        .allSatisfy(
            e -> {
              assertThat(e.getString("worker")).startsWith("jfr-");
              assertThat(e.getLong("workerPid")).isPositive();
              assertThat(e.getDuration("poolTime")).isPositive();
              assertThat(e.getInt("items")).isEqualTo(1);
            });
    List<RecordedEvent> failed = named(all, "TaskFailed");
    assertThat(failed)
        .anySatisfy(
            e -> {
              assertThat(e.getString("failure")).isEqualTo("java.lang.IllegalStateException");
              assertThat(e.getString("message")).isEqualTo("jfr boom");
            })
        .anySatisfy(
            e -> {
              assertThat(e.getString("failure")).isEqualTo(WorkerDiedException.class.getName());
              assertThat(e.getLong("workerPid")).isEqualTo(victimPid);
              assertThat(e.getString("message")).contains("SIGKILL");
            });
    List<RecordedEvent> started = named(all, "WorkerStarted");
    // The second worker and the victim's replacement may still be starting when the pool closes.
    assertThat(started).isNotEmpty();
    assertThat(started).allSatisfy(e -> assertThat(e.getDuration("startup")).isPositive());
    assertThat(started).anySatisfy(e -> assertThat(e.getLong("workerPid")).isEqualTo(victimPid));
    // A replacement still starting at close is killed by the pool: a WorkerDied that says why.
    List<RecordedEvent> died =
        named(all, "WorkerDied").stream()
            .filter(e -> !e.getString("killedFor").equals("shutdown"))
            .toList();
    assertThat(died)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLong("workerPid")).isEqualTo(victimPid);
              assertThat(e.getInt("exitCode")).isEqualTo(-9);
              assertThat(e.getInt("signal")).isEqualTo(9);
              assertThat(e.getString("killedFor")).isEmpty();
              assertThat(e.getLong("taskId")).isPositive();
            });
  }
}
