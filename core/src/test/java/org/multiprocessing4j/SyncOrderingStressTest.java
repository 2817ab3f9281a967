package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Memory-ordering stress of the fast paths, in the manner of jcstress litmus tests but run as plain
 * tests: plain (non-volatile) accesses to shared memory made under a {@link ProcessLock}, or before
 * {@link ProcessEvent#set()}, must be seen whole by the thread that acquires next or whose {@code
 * await} returns. A lock or event whose release or signal lacked a fence would show torn pairs here
 * (the forbidden outcome: the two halves of a pair differ). Threads in one JVM stand for processes:
 * the accesses and fences are the same instructions on the same shared memory, and the
 * cross-process tests (exact counters under a lock from four JVMs) cover the rest.
 */
@ExtendWith(ShmCleanup.class)
@SuppressWarnings("LockNotBeforeTry") // the litmus loops are written out plainly
class SyncOrderingStressTest {

  static final int ITERATIONS = 200_000;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  /** Forbidden: a reader under the lock sees one half of a pair written under the lock. */
  @Test
  void lock_pairWrittenUnderLock_neverSeenTorn() throws Exception {
    ProcessLock lock = ctx.lock();
    SharedMemory shm = ctx.sharedMemory(4096);
    MemorySegment m = shm.segment();
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      Future<?> writer =
          ex.submit(
              () -> {
                for (long i = 1; i <= ITERATIONS; i++) {
                  lock.lock();
                  m.set(ValueLayout.JAVA_LONG, 0, i);
                  m.set(ValueLayout.JAVA_LONG, 512, i); // another cache line
                  lock.unlock();
                }
              });
      Future<Long> reader =
          ex.submit(
              () -> {
                long torn = 0;
                long last = 0;
                while (last < ITERATIONS) {
                  lock.lock();
                  long b = m.get(ValueLayout.JAVA_LONG, 512);
                  long a = m.get(ValueLayout.JAVA_LONG, 0);
                  lock.unlock();
                  if (a != b) {
                    torn++;
                  }
                  last = b;
                }
                return torn;
              });
      writer.get(2, TimeUnit.MINUTES);
      assertThat(reader.get(2, TimeUnit.MINUTES)).isZero();
    }
  }

  /** Forbidden: the side woken by an event reads data older than what was written before set. */
  @Test
  void event_dataWrittenBeforeSet_seenAfterAwait() throws Exception {
    ProcessEvent ping = ctx.event();
    ProcessEvent pong = ctx.event();
    SharedMemory shm = ctx.sharedMemory(4096);
    MemorySegment m = shm.segment();
    int rounds = ITERATIONS / 10;
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      Future<Long> answerer =
          ex.submit(
              () -> {
                long stale = 0;
                for (long i = 1; i <= rounds; i++) {
                  ping.await();
                  ping.clear();
                  if (m.get(ValueLayout.JAVA_LONG, 0) != i) {
                    stale++;
                  }
                  m.set(ValueLayout.JAVA_LONG, 1024, i);
                  pong.set();
                }
                return stale;
              });
      long stale = 0;
      for (long i = 1; i <= rounds; i++) {
        m.set(ValueLayout.JAVA_LONG, 0, i);
        ping.set();
        pong.await();
        pong.clear();
        if (m.get(ValueLayout.JAVA_LONG, 1024) != i) {
          stale++;
        }
      }
      assertThat(stale).isZero();
      assertThat(answerer.get(2, TimeUnit.MINUTES)).isZero();
    }
  }

  /** Forbidden: a permit taken without seeing the data written before its release. */
  @Test
  void semaphore_dataWrittenBeforeRelease_seenAfterAcquire() throws Exception {
    ProcessSemaphore full = ctx.semaphore(0);
    ProcessSemaphore empty = ctx.semaphore(1);
    SharedMemory shm = ctx.sharedMemory(4096);
    MemorySegment m = shm.segment();
    int rounds = ITERATIONS / 10;
    try (ExecutorService ex = Executors.newSingleThreadExecutor()) {
      Future<Long> consumer =
          ex.submit(
              () -> {
                long stale = 0;
                for (long i = 1; i <= rounds; i++) {
                  full.acquire();
                  if (m.get(ValueLayout.JAVA_LONG, 0) != i
                      || m.get(ValueLayout.JAVA_LONG, 2048) != -i) {
                    stale++;
                  }
                  empty.release();
                }
                return stale;
              });
      for (long i = 1; i <= rounds; i++) {
        empty.acquire();
        m.set(ValueLayout.JAVA_LONG, 0, i);
        m.set(ValueLayout.JAVA_LONG, 2048, -i);
        full.release();
      }
      assertThat(consumer.get(2, TimeUnit.MINUTES)).isZero();
    }
  }
}
