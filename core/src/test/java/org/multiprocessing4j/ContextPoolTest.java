package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.multiprocessing4j.PoolTasks.POOL_BOUND;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Pools created by a context: they use its defaults and end with it. */
@ExtendWith({ChildCleanup.class, ShmCleanup.class})
class ContextPoolTest {

  @TempDir Path dir;

  @Test
  void pool_workersStartWithTheContextsDefaults() throws Exception {
    ProcessOptions o = ProcessOptions.builder().systemProperty("mp4j.test.ctx", "pooled").build();
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(o);
        ProcessPoolExecutor pool = ctx.pool(1)) {
      assertThat(pool.workers()).isEqualTo(1);
      String seen =
          pool.submit(() -> System.getProperty("mp4j.test.ctx"))
              .get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(seen).isEqualTo("pooled");
    }
  }

  @Test
  void poolBuilder_isBoundToTheContext_andKeepsOtherSettings() throws Exception {
    ProcessOptions o = ProcessOptions.builder().systemProperty("mp4j.test.ctx", "built").build();
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(o);
        ProcessPoolExecutor pool = ctx.poolBuilder().workers(2).namePrefix("ctxpool").build()) {
      String seen =
          pool.submit(() -> System.getProperty("mp4j.test.ctx") + " " + JvmProcess.current().name())
              .get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(seen).startsWith("built ctxpool-");
    }
  }

  @Test
  void contextClose_shutsThePoolDownAndKillsItsWorkers() throws Exception {
    MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    ProcessPoolExecutor pool = ctx.pool(1);
    try {
      Path marker = dir.resolve("running");
      String m = marker.toString();
      CompletableFuture<Long> running = pool.submit(() -> PoolTasks.markThenSleep(m));
      await().atMost(POOL_BOUND).until(() -> Files.exists(marker));
      long worker = PoolTasks.readPid(marker);

      ctx.close();

      assertThat(pool.isShutdown()).isTrue();
      assertThatThrownBy(() -> running.get(POOL_BOUND.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(CancellationException.class);
      assertThat(pool.awaitTermination(POOL_BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
      await().atMost(POOL_BOUND).until(() -> PoolTasks.isDead(worker));
      assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
    } finally {
      pool.shutdownNow();
      ctx.close();
    }
  }

  @Test
  void pool_zeroWorkers_throwsAtTheCall() {
    try (MultiprocessingContext ctx = Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      assertThatThrownBy(() -> ctx.pool(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1 worker");
    }
  }
}
