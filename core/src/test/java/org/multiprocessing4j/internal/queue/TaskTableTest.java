package org.multiprocessing4j.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.os.EndedProcesses;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/** A joinable queue's task table, read by a concurrent joiner within one JVM. */
@ExtendWith(ShmCleanup.class)
class TaskTableTest {

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  /** Joiner threads: more than the cores of a CI machine, so that they are preempted often. */
  private static final int JOINERS = 2 * Runtime.getRuntime().availableProcessors() + 1;

  /** How long the claim loop runs (it stops at the first dead holder seen). */
  private static final long LOOP_NANOS = 5_000_000_000L;

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
    // More joiners than cores: a joiner preempted between its read of a slot's token and of its
    // count is what opens the window (the claimer writes the two in the order they are read).
    List<Thread> joiners = new ArrayList<>();
    for (int j = 0; j < JOINERS; j++) {
      joiners.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      looks.incrementAndGet();
                      if (table.deadHolder() != null) {
                        sawDead.incrementAndGet();
                      }
                    }
                  }));
    }
    try {
      long end = System.nanoTime() + LOOP_NANOS;
      for (int i = 0; sawDead.get() == 0 && System.nanoTime() - end < 0; i++) {
        // The slot as a consumer that finished its tasks and exited left it: count, then token.
        LONG.setVolatile(mem, 8L, 0L);
        long dead = EndedProcesses.token(i); // a new one each round (see there)
        LONG.setVolatile(mem, 0L, dead);
        // A new consumer claims it (TaskTable.slot) and counts a task it took (took()).
        assertThat(LONG.compareAndSet(mem, 0L, dead, me)).isTrue();
        LONG.getAndAdd(mem, 8L, 1L);
      }
    } finally {
      stop.set(true);
      for (Thread j : joiners) {
        j.join();
      }
    }
    assertThat(looks.get()).as("looks for dead holders").isPositive();
    assertThat(sawDead.get()).as("looks that found a dead holder").isZero();
  }
}
