package org.multiprocessing4j.internal.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.SharedMemory;
import org.multiprocessing4j.ShmCleanup;

/** What a context keeps of its shared-memory blocks. */
@ExtendWith(ShmCleanup.class)
class LocalSyncTest {

  @Test
  void blocksClosedByTheirUser_areNoLongerKeptByTheContext() {
    try (LocalSync sync = new LocalSync()) {
      SharedMemory kept = sync.sharedMemory(64);
      for (int i = 0; i < 1_000; i++) {
        SharedMemory m = sync.sharedMemory(4096);
        m.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, i);
        m.close();
        m.close(); // idempotent
      }
      assertThat(sync.openBlocks()).isEqualTo(1);
      kept.close();
      assertThat(sync.openBlocks()).isZero();
      assertThatThrownBy(kept::segment).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void blocksLeftOpen_areClosedWithTheContext() {
    SharedMemory m;
    try (LocalSync sync = new LocalSync()) {
      m = sync.sharedMemory(64);
      assertThat(sync.openBlocks()).isEqualTo(1);
    }
    assertThatThrownBy(m::segment).isInstanceOf(IllegalStateException.class);
  }
}
