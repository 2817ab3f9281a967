package org.multiprocessing4j.internal.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** The table of who uses a pipe's end, seen by a concurrent checker within one JVM. */
@ExtendWith(ShmCleanup.class)
class PipeCoreTest {

  /** How long this process is away from the end in the hand-over loop: a checker's scan begins. */
  private static final long AWAY_NANOS = 5_000;

  /** How long the hand-over loop runs at most (each round waits for the checker's scan). */
  private static final long HAND_OVER_LOOP_NANOS = 4_000_000_000L;

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  /** A bad pipe ring size set by system property fails the pipe's creation, naming the property. */
  @Test
  void create_ringBytesPropertyNotAllowed_failsNamingTheProperty() {
    String before = System.getProperty(PipeCore.RING_BYTES_PROPERTY);
    try {
      for (String bad : new String[] {"lots", "1000", "-4096", "0"}) {
        System.setProperty(PipeCore.RING_BYTES_PROPERTY, bad);
        assertThatThrownBy(() -> PipeCore.create(owner, true))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("system property " + PipeCore.RING_BYTES_PROPERTY + "=" + bad)
            .hasMessageContaining("Pipe");
      }
      System.setProperty(PipeCore.RING_BYTES_PROPERTY, "4096");
      assertThat(PipeCore.create(owner, false).toFirst.capacityBytes()).isEqualTo(4096);
    } finally {
      if (before == null) {
        System.clearProperty(PipeCore.RING_BYTES_PROPERTY);
      } else {
        System.setProperty(PipeCore.RING_BYTES_PROPERTY, before);
      }
    }
    assertThat(PipeCore.create(owner, false).toFirst.capacityBytes())
        .isEqualTo(PipeCore.DEFAULT_RING_BYTES);
  }

  /**
   * A hand-over replaces the handing process's weak entry with the receiver's: a checker looking at
   * the table meanwhile must never find it empty (the other end would take that for end of stream
   * before anything was sent; CI saw it once, as a spurious EOFException in PipeTest).
   */
  @Test
  void register_replacingAWeakEntry_tableNeverLooksEmptyToAChecker() throws Exception {
    PipeCore core = PipeCore.create(owner, true);
    Checker checker = new Checker(core);
    try {
      core.opened(1);
      for (int i = 0; i < 200_000 && checker.sawGone.get() == 0; i++) {
        core.register(1); // replaces the weak entry (the creator's, or the one the close left)
        core.handedOut(1);
        core.closed(1); // handed out and held by no one else: leaves a weak entry again
        core.opened(1);
      }
    } finally {
      checker.stop();
    }
    checker.assertNeverSawGone();
  }

  /**
   * An end passed from one process to the next: the newcomer records itself in a slot below the one
   * of the process that then leaves. The end is held throughout, so a checker scanning the slots
   * meanwhile must never find it gone (it read the low slot before the newcomer's entry and the
   * high one after the leaver's removal: a spurious EOF for the other end).
   */
  @Test
  void isGone_newUserBelowALeavingOne_neverLooksGoneToAChecker() throws Exception {
    PipeCore core = PipeCore.create(owner, true);
    MemorySegment mem = SharedSegment.attach(core.controlName()).memory();
    VarHandle slots = ValueLayout.JAVA_LONG.varHandle();
    long middle = PipeCore.userSlot(1, 8);
    long high = PipeCore.userSlot(1, 15);
    Process other = new ProcessBuilder("sleep", "600").start(); // the leaving process, alive
    long leaver = ProcessIdentity.token(other.pid(), ProcessIdentity.UNKNOWN_START);
    // A process that has ended: the checker reads /proc for its entry and clears it, which takes
    // long enough for the hand-over to happen between its look at slot 0 and its look at slot 15.
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    long dead = ProcessIdentity.token(ended.pid(), ProcessIdentity.UNKNOWN_START);
    Checker checker = new Checker(core);
    try {
      core.opened(1);
      core.register(1); // this process: slot 0, over the creator's weak entry
      long end = System.nanoTime() + HAND_OVER_LOOP_NANOS; // the old code failed within 1.1 s
      for (int i = 0;
          i < 300_000 && checker.sawGone.get() == 0 && System.nanoTime() - end < 0;
          i++) {
        slots.setVolatile(mem, high, leaver); // the other process holds the end too
        slots.setVolatile(mem, middle, dead);
        core.closed(1); // this process leaves: slot 0 is free
        long away = System.nanoTime(); // for a few microseconds, while the other one holds it
        while (System.nanoTime() - away < AWAY_NANOS) {
          Thread.onSpinWait();
        }
        core.opened(1);
        core.register(1); // and comes back, in slot 0, below the other process
        slots.compareAndSet(mem, high, leaver, 0L); // which leaves
      }
    } finally {
      checker.stop();
      other.destroyForcibly().waitFor();
    }
    checker.assertNeverSawGone();
  }

  /** A thread that asks whether end 1 is gone, again and again, until stopped. */
  private static final class Checker {
    final AtomicBoolean stopped = new AtomicBoolean();
    final AtomicLong checks = new AtomicLong();
    final AtomicLong sawGone = new AtomicLong();
    final Thread thread;

    Checker(PipeCore core) {
      thread =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stopped.get()) {
                      checks.incrementAndGet();
                      if (core.isGone(1)) {
                        sawGone.incrementAndGet();
                      }
                    }
                  });
    }

    void stop() throws InterruptedException {
      stopped.set(true);
      thread.join();
    }

    void assertNeverSawGone() {
      assertThat(checks.get()).as("checks made").isPositive();
      assertThat(sawGone.get()).as("checks that found the end gone").isZero();
    }
  }
}
