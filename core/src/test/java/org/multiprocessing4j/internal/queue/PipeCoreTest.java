package org.multiprocessing4j.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/** The table of who uses a pipe's end, seen by a concurrent checker within one JVM. */
@ExtendWith(ShmCleanup.class)
class PipeCoreTest {

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  /**
   * A hand-over replaces the handing process's weak entry with the receiver's: a checker looking at
   * the table meanwhile must never find it empty (the other end would take that for end of stream
   * before anything was sent; CI saw it once, as a spurious EOFException in PipeTest).
   */
  @Test
  void register_replacingAWeakEntry_tableNeverLooksEmptyToAChecker() throws Exception {
    PipeCore core = PipeCore.create(owner, true);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong checks = new AtomicLong();
    AtomicLong sawGone = new AtomicLong();
    Thread checker =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!stop.get()) {
                    checks.incrementAndGet();
                    if (core.isGone(1)) {
                      sawGone.incrementAndGet();
                    }
                  }
                });
    try {
      core.opened(1);
      for (int i = 0; i < 200_000 && sawGone.get() == 0; i++) {
        core.register(1); // replaces the weak entry (the creator's, or the one the close left)
        core.handedOut(1);
        core.closed(1); // handed out and held by no one else: leaves a weak entry again
        core.opened(1);
      }
    } finally {
      stop.set(true);
      checker.join();
    }
    assertThat(checks.get()).as("checks made").isPositive();
    assertThat(sawGone.get()).as("checks that found the end gone").isZero();
  }
}
