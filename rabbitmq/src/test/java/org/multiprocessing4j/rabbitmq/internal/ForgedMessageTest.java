package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.example.gadget.Bomb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.QueueEmptyException;
import org.multiprocessing4j.UndecodableValueException;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * Messages injected straight into the broker with the raw client: unsigned, forged, truncated,
 * moved from another queue, stale and replayed ones are rejected before anything in them is
 * deserialized, and the consumer goes on serving good ones.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForgedMessageTest {

  private static final byte[] KEY =
      "forged-message-test-key-32bytes!".getBytes(StandardCharsets.UTF_8);
  private static final byte[] WRONG_KEY =
      "not-the-key-of-the-queue-32bytes".getBytes(StandardCharsets.UTF_8);

  private RabbitContext ctx;
  private Connection raw;
  private Channel ch;

  @BeforeEach
  void open(RabbitBroker.Broker broker) throws Exception {
    ctx = RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-forged").build();
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(broker.uri());
    raw = f.newConnection();
    ch = raw.createChannel();
    ch.confirmSelect();
    Bomb.detonated = false;
  }

  @AfterEach
  void close() throws IOException {
    if (raw != null) {
      raw.close();
    }
    if (ctx != null) {
      ctx.close();
    }
  }

  private static String nameOf(ProcessQueue<?> q) {
    return ((RabbitProcessQueue<?>) q).core.name;
  }

  private void inject(String queue, byte[] body) throws Exception {
    ch.basicPublish("", queue, null, body);
    ch.waitForConfirmsOrDie(10_000);
  }

  /** Puts an item and takes it off the broker with the raw client: a genuine message, captured. */
  private byte[] captured(ProcessQueue<String> q, String item) throws Exception {
    q.put(item);
    GetResponse captured = ch.basicGet(nameOf(q), true);
    assertThat(captured).isNotNull();
    return captured.getBody();
  }

  private static byte[] serialized(Object o) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(o);
    }
    return b.toByteArray();
  }

  @Test
  void get_badMessagesInjected_rejectedAndConsumerKeepsServing() throws Exception {
    ProcessQueue<String> q = ctx.queue();
    String name = nameOf(q);
    byte[] good = captured(q, "first");

    byte[] bomb = serialized(new Bomb());
    Envelope right = new Envelope(KEY, Duration.ofDays(1).toMillis());
    long before = ctx.rejectedMessages();

    inject(name, "plain text, no envelope".getBytes(StandardCharsets.UTF_8)); // unsigned
    inject(name, new Envelope(WRONG_KEY, 86_400_000).seal(name, Codec.SERIALIZED, bomb)); // forged
    inject(name, Arrays.copyOf(good, good.length - 7)); // truncated
    inject(name, right.seal(name + ".other", Codec.SERIALIZED, bomb)); // signed for another queue
    inject(
        name,
        right.sealAt(name, Codec.SERIALIZED, bomb, System.currentTimeMillis() - 2 * 86_400_000L));
    inject(name, good); // the genuine message, once: accepted
    inject(name, good); // and again: a replay
    q.put("last");

    assertThat(q.get(Duration.ofSeconds(30))).isEqualTo("first");
    assertThat(q.get(Duration.ofSeconds(30))).isEqualTo("last");
    assertThat(ctx.rejectedMessages() - before).isEqualTo(6);
    assertThat(Bomb.detonated).as("a rejected message was deserialized").isFalse();
    assertThat(q.qsize()).isZero(); // rejected messages are dropped, not requeued
  }

  /**
   * A replay laundered through the broker: a copy of a message this process took, fetched by
   * another client without an ack and handed back by closing its channel, comes back marked
   * redelivered. The flag is the broker's, but this process never gave that message back, so the
   * copy is a replay all the same (issue 6, gap G1).
   */
  @Test
  void get_copyOfATakenMessageRedeliveredByTheBroker_rejectedAsAReplay() throws Exception {
    ProcessQueue<String> q = ctx.queue();
    String name = nameOf(q);
    byte[] good = captured(q, "first");
    inject(name, good);
    assertThat(q.get(Duration.ofSeconds(30))).isEqualTo("first"); // the genuine one, taken
    long before = ctx.rejectedMessages();

    inject(name, good); // the copy ...
    for (int hop = 0; hop < 2; hop++) { // ... taken unacked and handed back, twice
      try (Channel thief = raw.createChannel()) {
        GetResponse r = thief.basicGet(name, false);
        assertThat(r).isNotNull();
        assertThat(r.getBody()).isEqualTo(good);
        assertThat(r.getEnvelope().isRedeliver()).isEqualTo(hop > 0);
      } // the channel closes with the delivery unacked: the broker requeues it as redelivered
    }

    assertThatThrownBy(() -> q.get(Duration.ofSeconds(3))).isInstanceOf(QueueEmptyException.class);
    assertThat(ctx.rejectedMessages() - before).isEqualTo(1);
    assertThat(q.qsize()).isZero();
    q.put("next"); // the consumer keeps serving
    assertThat(q.get(Duration.ofSeconds(30))).isEqualTo("next");
  }

  /** Even a correctly signed message is read only through the allow-list. */
  @Test
  void get_signedMessageOfClassNotAllowed_notDeserialized() throws Exception {
    ProcessQueue<Object> q = ctx.queue();
    String name = nameOf(q);
    inject(
        name, new Envelope(KEY, 86_400_000).seal(name, Codec.SERIALIZED, serialized(new Bomb())));
    assertThatThrownBy(() -> q.get(Duration.ofSeconds(30)))
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining("org.example.gadget.Bomb")
        .hasMessageContaining("allowClasses");
    assertThat(Bomb.detonated).isFalse();
    q.put("next");
    assertThat(q.get(Duration.ofSeconds(30))).isEqualTo("next");
  }

  /** With the class allowed by the builder, the same item is read. */
  @Test
  void get_classAllowedByBuilder_deserialized(RabbitBroker.Broker broker) throws Exception {
    try (RabbitContext allowing =
        RabbitContext.builder()
            .uri(broker.uri())
            .authKey(KEY)
            .namespace("mp4j-forged")
            .allowClasses("org.example.gadget.*")
            .build()) {
      ProcessQueue<Object> q = allowing.queue();
      q.put(new Bomb());
      assertThat(q.get(Duration.ofSeconds(30))).isInstanceOf(Bomb.class);
      assertThat(Bomb.detonated).isTrue();
    }
  }
}
