package org.multiprocessing4j.internal.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The raw futex calls: errno values the event counts rely on. */
class LibcFutexTest {

  @BeforeEach
  void onLinux() {
    assumeTrue(Libc.futexAvailable(), "futexes need Linux and native access");
  }

  @Test
  void futexWait_wordDiffers_returnsEagainAtOnce() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
      word.set(ValueLayout.JAVA_INT, 0, 7);
      assertThat(Libc.futexWait(word.address(), 8, TimeUnit.SECONDS.toNanos(30)))
          .isEqualTo(Libc.EAGAIN);
    }
  }

  @Test
  void futexWait_noWake_returnsEtimedoutAfterTheTimeout() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
      long start = System.nanoTime();
      assertThat(Libc.futexWait(word.address(), 0, TimeUnit.MILLISECONDS.toNanos(100)))
          .isEqualTo(Libc.ETIMEDOUT);
      assertThat(System.nanoTime() - start)
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(90));
    }
  }

  @Test
  void futexWake_noWaiters_returnsZero() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
      assertThat(Libc.futexWake(word.address(), Integer.MAX_VALUE)).isZero();
    }
  }
}
