package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The envelope's replay memory, runs of counters per sender: every nonce is new once and a replay
 * after that, whatever order the counters come in, until its message is past the maximum age; a
 * sender whose counters come in order costs one run; over the cap, the oldest runs go first.
 */
class EnvelopeReplayMemoryTest {

  private static final long DAY = 86_400_000L;
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void countersInOrder_eachNewOnce_thenAReplay_inOneRun() {
    ReplayMemory m = new ReplayMemory(DAY, 1_000_000);
    for (long c = 1; c <= 10_000; c++) {
      assertThat(m.add(42, c, NOW, NOW)).isTrue();
    }
    assertThat(m.runs()).isEqualTo(1);
    for (long c = 1; c <= 10_000; c += 97) {
      assertThat(m.add(42, c, NOW, NOW)).as("counter %d again", c).isFalse();
    }
    assertThat(m.add(43, 1, NOW, NOW)).as("another sender's counter 1").isTrue();
    assertThat(m.add(42, 10_001, NOW, NOW)).isTrue();
  }

  @Test
  void countersInAnyOrder_sameAnswersAsASetOfEveryNonce() {
    Random r = new Random(7);
    ReplayMemory m = new ReplayMemory(DAY, 1_000_000);
    Set<List<Long>> reference = new HashSet<>();
    for (int i = 0; i < 200_000; i++) {
      long prefix = r.nextInt(3) - 1L;
      long counter = r.nextInt(5_000) + (r.nextInt(10) == 0 ? Long.MAX_VALUE - 5_000 : 0);
      boolean fresh = reference.add(List.of(prefix, counter));
      assertThat(m.add(prefix, counter, NOW, NOW))
          .as("sender %d counter %d, seen before: %s", prefix, counter, !fresh)
          .isEqualTo(fresh);
    }
  }

  @Test
  void aShuffledSequence_mergesIntoOneRunPerSender() {
    List<Long> counters = new ArrayList<>();
    for (long c = 1; c <= 5_000; c++) {
      counters.add(c);
    }
    Collections.shuffle(counters, new Random(11));
    ReplayMemory m = new ReplayMemory(DAY, 1_000_000);
    for (long c : counters) {
      assertThat(m.add(1, c, NOW, NOW)).isTrue();
      assertThat(m.add(2, c, NOW, NOW)).isTrue();
    }
    assertThat(m.runs()).isEqualTo(2);
    for (long c : counters) {
      assertThat(m.add(1, c, NOW, NOW)).isFalse();
    }
  }

  @Test
  void runsPastTheMaximumAge_areForgotten_newerOnesKept() {
    long age = 60_000;
    ReplayMemory m = new ReplayMemory(age, 1_000_000);
    for (long c = 1; c <= 100; c += 2) { // 50 runs of one counter, stamped NOW
      m.add(5, c, NOW, NOW);
    }
    m.add(6, 1, NOW + 1, NOW + 1); // another sender, a millisecond later
    assertThat(m.runs()).isEqualTo(51);

    // past the age of the first 50 (and a sweep is due): they go; the newer one stays
    assertThat(m.add(6, 2, NOW + age + 1, NOW + age + 1)).isTrue();
    assertThat(m.runs()).isEqualTo(1);
    assertThat(m.add(6, 1, NOW + age + 2, NOW + age + 2)).as("still within the age").isFalse();
  }

  @Test
  void overTheCap_theOldestRunsGoFirst() {
    ReplayMemory m = new ReplayMemory(DAY, 8);
    for (int i = 0; i < 20; i++) { // runs of one counter each, each a millisecond newer
      assertThat(m.add(9, 10L * i, NOW + i, NOW + i)).isTrue();
    }
    assertThat(m.runs()).isLessThanOrEqualTo(9);
    assertThat(m.add(9, 190, NOW + 30, NOW + 30)).as("the newest is remembered").isFalse();
    assertThat(m.add(9, 0, NOW + 30, NOW + 30)).as("the oldest was dropped").isTrue();
  }

  @Test
  void envelope_aCopyOfAnAcceptedMessage_isAReplay() throws Exception {
    Envelope e = new Envelope(new byte[32], 60_000);
    byte[] first = e.seal("q", PoolMessages.TASK, new byte[] {1});
    byte[] second = e.seal("q", PoolMessages.TASK, new byte[] {2});
    e.accept(e.open("q", second)); // out of order
    e.accept(e.open("q", first));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.accept(e.open("q", first.clone())))
        .isInstanceOf(Envelope.Rejected.class)
        .hasMessageContaining("replay");
  }
}
