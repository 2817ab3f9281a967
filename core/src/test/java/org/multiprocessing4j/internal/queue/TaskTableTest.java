package org.multiprocessing4j.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/** A joinable queue's task table, read by a concurrent joiner within one JVM. */
@ExtendWith(ShmCleanup.class)
class TaskTableTest {

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  /** A process with this JVM's pid and another start time: certainly not running. */
  private static final long DEAD =
      ProcessIdentity.token(ProcessIdentity.selfPid(), ProcessIdentity.selfStart() + 1);

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  /**
   * A consumer that finished its tasks and exited leaves its slot (count 0); a new consumer claims
   * it and counts the task it took. A joiner looking for dead holders meanwhile must never pair the
   * exited process's token with the new consumer's count: join() would throw
   * AbandonedTasksException while every task is held by a live process.
   */
  @Test
  void deadHolder_liveProcessReusingAFinishedProcesssSlot_isNeverReportedDead() throws Exception {
    String queue = owner.prefix() + "q1";
    TaskTable table = TaskTable.create(queue);
    MemorySegment mem = SharedSegment.attach(TaskTable.fileName(queue)).memory();
    long me = ProcessIdentity.selfToken();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong looks = new AtomicLong();
    AtomicLong sawDead = new AtomicLong();
    Thread joiner =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!stop.get()) {
                    looks.incrementAndGet();
                    if (table.deadHolder() != null) {
                      sawDead.incrementAndGet();
                    }
                  }
                });
    try {
      for (int i = 0; i < 500_000 && sawDead.get() == 0; i++) {
        // The slot as a consumer that finished its tasks and exited left it: count, then token.
        LONG.setVolatile(mem, 8L, 0L);
        LONG.setVolatile(mem, 0L, DEAD);
        // A new consumer claims it (TaskTable.slot) and counts a task it took (took()).
        assertThat(LONG.compareAndSet(mem, 0L, DEAD, me)).isTrue();
        LONG.getAndAdd(mem, 8L, 1L);
      }
    } finally {
      stop.set(true);
      joiner.join();
    }
    assertThat(looks.get()).as("looks for dead holders").isPositive();
    assertThat(sawDead.get()).as("looks that found a dead holder").isZero();
  }
}
