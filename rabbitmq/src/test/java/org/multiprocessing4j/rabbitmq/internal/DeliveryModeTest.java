package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * {@code persistent(true)} puts persistent messages (delivery mode 2, written to the broker's
 * disk), the default transient ones (delivery mode 1), as read off the broker with the raw client.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeliveryModeTest {

  private static final byte[] KEY =
      "delivery-mode-test-key-32bytes!!".getBytes(StandardCharsets.UTF_8);

  private static int deliveryModeOfAPut(RabbitBroker.Broker broker, boolean persistent)
      throws Exception {
    RabbitContext.Builder b =
        RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-mode");
    if (persistent) {
      b.persistent(true);
    }
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(broker.uri());
    try (RabbitContext ctx = b.build();
        Connection raw = f.newConnection()) {
      ProcessQueue<String> q = ctx.queue();
      q.put("item");
      Channel ch = raw.createChannel();
      GetResponse r = ch.basicGet(((RabbitProcessQueue<?>) q).core.name, true);
      assertThat(r).as("the item is in the broker once put returned").isNotNull();
      return r.getProps().getDeliveryMode();
    }
  }

  @Test
  void put_persistentContext_deliveryMode2(RabbitBroker.Broker broker) throws Exception {
    assertThat(deliveryModeOfAPut(broker, true)).isEqualTo(2);
  }

  @Test
  void put_defaultContext_deliveryMode1(RabbitBroker.Broker broker) throws Exception {
    assertThat(deliveryModeOfAPut(broker, false)).isEqualTo(1);
  }
}
