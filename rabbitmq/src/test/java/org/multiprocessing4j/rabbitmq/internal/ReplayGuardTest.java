package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The replay guard without a broker: a nonce seen before is taken again only when this context gave
 * its message back (released it, or closed the channel that held it), and only once per giving
 * back; the broker's redelivered flag alone is not enough (issue 6, G1).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplayGuardTest {

  private static final long DAY = 86_400_000L;
  private final ReplayGuard guard = new ReplayGuard(DAY);
  private long counter;

  private Envelope.Nonce fresh() {
    return new Envelope.Nonce(7, ++counter);
  }

  private void accept(Envelope.Nonce n, ReplayGuard.Holder h, long tag, boolean redelivered)
      throws Envelope.Rejected {
    guard.accept(n, System.currentTimeMillis(), h, tag, redelivered);
  }

  private void assertReplay(Envelope.Nonce n, ReplayGuard.Holder h, boolean redelivered) {
    assertThatThrownBy(() -> accept(n, h, 99, redelivered))
        .isInstanceOf(Envelope.Rejected.class)
        .hasMessageContaining("a replay");
  }

  @Test
  void redelivered_butNeverGivenBack_isAReplay() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    Envelope.Nonce n = fresh();
    accept(n, h, 1, false);
    assertReplay(n, h, true); // still held, on an open holder: waits, then a replay
    h.settled(1);
    assertReplay(n, guard.holder(), true);
    assertReplay(n, guard.holder(), false);
  }

  @Test
  void released_thenRedelivered_takenOnceForEachGivingBack() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    Envelope.Nonce n = fresh();
    accept(n, h, 1, false);
    h.released(1); // nacked with requeue
    accept(n, h, 2, true); // its redelivery
    h.settled(2);
    assertReplay(n, h, true); // the entry was used up
    assertThat(guard.released()).isZero();
  }

  @Test
  void released_copyNotMarkedRedelivered_isAReplay_andTheRedeliveryStillComes() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    Envelope.Nonce n = fresh();
    accept(n, h, 1, false);
    h.released(1);
    assertReplay(n, h, false); // a publisher's copy while ours is back in the queue
    assertThatCode(() -> accept(n, h, 2, true)).doesNotThrowAnyException();
  }

  @Test
  void holderClosed_everythingItHeldComesBack_butNotWhatItSettled() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    Envelope.Nonce a = fresh();
    Envelope.Nonce b = fresh();
    Envelope.Nonce done = fresh();
    accept(a, h, 1, false);
    accept(b, h, 2, false);
    accept(done, h, 3, false);
    h.settled(3);
    h.close(); // the channel closed: the broker requeues 1 and 2
    h.close(); // idempotent
    ReplayGuard.Holder next = guard.holder();
    accept(b, next, 1, true);
    accept(a, next, 2, true);
    assertReplay(done, next, true);
  }

  /** The channel closed while its delivery was being accepted: the broker has it back. */
  @Test
  void acceptedOnAClosedHolder_countsAsGivenBack() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    h.close();
    Envelope.Nonce n = fresh();
    accept(n, h, 1, false);
    h.settled(1); // an ack tried on the closed channel changes nothing
    accept(n, guard.holder(), 1, true);
  }

  @Test
  void autoAckConsumer_anyCopyIsAReplay() throws Exception {
    Envelope.Nonce n = fresh();
    guard.accept(n, System.currentTimeMillis(), null, 0, false);
    assertThatThrownBy(() -> guard.accept(n, System.currentTimeMillis(), null, 0, true))
        .hasMessageContaining("a replay");
  }

  /**
   * The broker requeued a closed channel's message and its redelivery reached another channel
   * before the client read the close: the accept waits for the holder to close, then takes it.
   */
  @Test
  void redeliveryBeforeItsHolderKnowsItClosed_waitsForTheClose_thenTaken() throws Exception {
    assertResolvedDuringTheWait(ReplayGuard.Holder::close, true);
  }

  /** A copy of a message still being worked on waits for it, and is a replay once it is acked. */
  @Test
  void copyOfAMessageStillHeld_settledDuringTheWait_isAReplay() throws Exception {
    assertResolvedDuringTheWait(h -> h.settled(1), false);
  }

  private void assertResolvedDuringTheWait(Consumer<ReplayGuard.Holder> resolve, boolean taken)
      throws Exception {
    ReplayGuard.Holder first = guard.holder();
    Envelope.Nonce n = fresh();
    accept(n, first, 1, false);
    Thread resolver =
        Thread.ofPlatform()
            .start(
                () -> {
                  await().atMost(Duration.ofSeconds(30)).until(() -> guard.waiting() == 1);
                  resolve.accept(first);
                });
    try {
      if (taken) {
        accept(n, guard.holder(), 5, true);
      } else {
        assertReplay(n, guard.holder(), true);
      }
    } finally {
      resolver.join();
    }
    assertThat(guard.waiting()).isZero();
  }

  @Test
  void releasedNonces_boundedOldestFirst() throws Exception {
    ReplayGuard.Holder h = guard.holder();
    Envelope.Nonce oldest = fresh();
    accept(oldest, h, 0, false);
    for (long tag = 1; tag <= ReplayGuard.MAX_RELEASED; tag++) {
      accept(fresh(), h, tag, false);
    }
    h.close();
    assertThat(guard.released()).isEqualTo(ReplayGuard.MAX_RELEASED);
    assertReplay(oldest, guard.holder(), true); // pushed out: its redelivery is dropped
    accept(new Envelope.Nonce(7, counter), guard.holder(), 1, true); // the newest is still there
  }
}
