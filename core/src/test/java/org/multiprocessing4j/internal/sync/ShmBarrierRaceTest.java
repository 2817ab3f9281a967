package org.multiprocessing4j.internal.sync;

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
import org.multiprocessing4j.internal.os.EndedProcesses;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/** A barrier's party slots, seen by a concurrent dead-party sweep within one JVM. */
@ExtendWith(ShmCleanup.class)
class ShmBarrierRaceTest {

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  /**
   * A party registering in round g over a slot left by a process that died after an older round
   * tripped (its token is still there): a waiter sweeping meanwhile must never read the dead token
   * with the new round, or it breaks a healthy round with "a party died".
   */
  @Test
  void register_overADeadPartysOldSlot_sweepNeverSeesADeathInThisRound() throws Exception {
    SyncHeap heap = SyncHeap.create(owner);
    ShmBarrier b = ShmBarrier.create(heap, 2, null, null);
    MemorySegment m = heap.memory();
    long slot = b.slot(0);
    long generation = 10;
    long me = ProcessIdentity.selfToken();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sweeps = new AtomicLong();
    AtomicLong sawDeath = new AtomicLong();
    Thread sweeper =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!stop.get()) {
                    sweeps.incrementAndGet();
                    if (b.deadParty(generation) != 0) {
                      sawDeath.incrementAndGet();
                    }
                  }
                });
    try {
      for (int i = 0; i < 500_000 && sawDeath.get() == 0; i++) {
        // The slot as a party killed right after round 2 tripped left it: round first, then the
        // token, so that the sweep can never pair this token with the register's round below.
        LONG.setVolatile(m, slot + 8, 2L);
        LONG.setVolatile(m, slot, EndedProcesses.token(i)); // a new one each round (see there)
        assertThat(b.register(me, generation)).isZero();
      }
    } finally {
      stop.set(true);
      sweeper.join();
    }
    assertThat(sweeps.get()).as("sweeps made").isPositive();
    assertThat(sawDeath.get()).as("sweeps that saw a death in round " + generation).isZero();
  }
}
