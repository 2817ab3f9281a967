package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Sealing and opening in one JVM: a payload written straight into the message reads back in place;
 * any altered byte, another queue or another key is rejected; a resealed message is a new message
 * (not a replay) while a copy of either is one. ForgedMessageTest and PoolForgedTaskTest inject
 * such messages into a real broker.
 */
class EnvelopeTest {

  private static final byte[] KEY =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final String QUEUE = "mp4j-test.pool.p.tasks";

  private final Envelope envelope = new Envelope(KEY, 60_000);

  private static byte[] payload(int n) {
    byte[] p = new byte[n];
    for (int i = 0; i < n; i++) {
      p[i] = (byte) (i * 31 + 7);
    }
    return p;
  }

  @Test
  void seal_withAPayloadWriter_opensToTheSameBytesReadInPlace() throws Exception {
    byte[] p = payload(1024);
    byte[] body = envelope.seal(QUEUE, PoolMessages.TASK, p.length, b -> b.put(p));

    Envelope.Opened m = envelope.open(QUEUE, body);

    assertThat(m.tag()).isEqualTo(PoolMessages.TASK);
    assertThat(m.payload()).isEqualTo(p);
    assertThat(m.body()).isSameAs(body); // not copied
    ByteBuffer in = m.payloadBuffer();
    assertThat(in.remaining()).isEqualTo(p.length);
    byte[] read = new byte[p.length];
    in.get(read);
    assertThat(read).isEqualTo(p);
    assertThat(envelope.seal(QUEUE, PoolMessages.TASK, p)).hasSize(body.length);
  }

  @Test
  void open_anyAlteredByte_isRejected() {
    byte[] body = envelope.seal(QUEUE, PoolMessages.RESULT, payload(100));
    for (int i = 0; i < body.length; i++) {
      byte[] altered = body.clone();
      altered[i] ^= 0x01;
      assertThatThrownBy(() -> envelope.open(QUEUE, altered))
          .as("byte %d altered", i)
          .isInstanceOf(Envelope.Rejected.class);
    }
  }

  @Test
  void open_forAnotherQueueOrWithAnotherKey_isRejectedAsABadSignature() {
    byte[] body = envelope.seal(QUEUE, PoolMessages.TASK, payload(10));
    assertThatThrownBy(() -> envelope.open(QUEUE + ".other", body))
        .isInstanceOf(Envelope.Rejected.class)
        .hasMessageContaining("bad signature");
    byte[] otherKey = KEY.clone();
    otherKey[0] ^= 1;
    assertThatThrownBy(() -> new Envelope(otherKey, 60_000).open(QUEUE, body))
        .hasMessageContaining("bad signature");
    // a thread that signs for several queues in turn signs each for its own
    byte[] other = envelope.seal(QUEUE + ".other", PoolMessages.TASK, payload(10));
    assertThatCode(() -> envelope.open(QUEUE + ".other", other)).doesNotThrowAnyException();
    assertThatCode(() -> envelope.open(QUEUE, body)).doesNotThrowAnyException();
  }

  @Test
  void reseal_isANewMessageWithTheSamePayload_andACopyOfEitherIsAReplay() throws Exception {
    byte[] first = envelope.seal(QUEUE, PoolMessages.TASK, payload(300));
    byte[] again = envelope.reseal(QUEUE, first);

    Envelope.Opened a = envelope.open(QUEUE, first);
    Envelope.Opened b = envelope.open(QUEUE, again);
    assertThat(b.payload()).isEqualTo(a.payload());
    assertThat(b.nonce()).isNotEqualTo(a.nonce());
    envelope.accept(a);
    envelope.accept(b); // not a replay of the first
    assertThatThrownBy(() -> envelope.accept(envelope.open(QUEUE, again.clone())))
        .isInstanceOf(Envelope.Rejected.class)
        .hasMessageContaining("replay");
    assertThatThrownBy(() -> envelope.open(QUEUE + ".other", envelope.reseal(QUEUE, first)))
        .hasMessageContaining("bad signature");
  }

  @Test
  void seal_aPayloadWriterThatWritesAnotherLength_fails() {
    assertThatThrownBy(() -> envelope.seal(QUEUE, PoolMessages.TASK, 10, b -> b.put(new byte[9])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("9 bytes, not 10");
  }
}
