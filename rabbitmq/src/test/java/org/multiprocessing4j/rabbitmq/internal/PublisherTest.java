package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.rabbitmq.RabbitBroker;

/**
 * The publisher's channel is closed under it again and again while several threads publish: every
 * publish returns (confirmed) or throws (channel lost) — none waits forever for an answer that a
 * replaced channel's bookkeeping dropped — and publishing goes on on a new channel.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PublisherTest {

  @Test
  void everyPublishEndsWhileItsChannelIsClosedAgainAndAgain(RabbitBroker.Broker broker)
      throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(broker.uri());
    String queue = "mp4j-publisher-test";
    try (Connection connection = f.newConnection()) {
      try (Channel admin = connection.createChannel()) {
        admin.queueDeclare(queue, false, false, true, null);
      }
      Publisher publisher = new Publisher(connection);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong confirmed = new AtomicLong();
      AtomicLong lost = new AtomicLong();
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> publishers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          publishers.add(
              threads.submit(
                  () -> {
                    byte[] body = new byte[64];
                    while (!stop.get()) {
                      try {
                        if (publisher.publish(queue, body, false)) {
                          confirmed.incrementAndGet();
                        }
                      } catch (UncheckedIOException e) {
                        lost.incrementAndGet();
                      }
                    }
                    return null;
                  }));
        }
        for (int i = 0; i < 200; i++) {
          Channel ch = publisher.channelForTest();
          try {
            ch.abort();
          } catch (RuntimeException ignored) {
            // closed already by another path; the next round takes the new one
          }
          long before = confirmed.get();
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (confirmed.get() == before && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
          assertThat(confirmed.get())
              .as("publishing goes on after the channel was closed %d times", i + 1)
              .isGreaterThan(before);
        }
        stop.set(true);
        for (Future<?> p : publishers) {
          p.get(20, TimeUnit.SECONDS); // a publish waiting forever fails the test here
        }
      } finally {
        stop.set(true);
        threads.shutdownNow();
      }
      assertThat(lost.get()).as("some publishes raced with a closing channel").isPositive();
    }
  }

  @Test
  void publishAfterTheConnectionWasLost_throwsUncheckedIo(RabbitBroker.Broker broker)
      throws Exception {
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(broker.uri());
    String queue = "mp4j-publisher-lost-test";
    Connection connection = f.newConnection();
    try {
      try (Channel admin = connection.createChannel()) {
        admin.queueDeclare(queue, false, false, true, null);
      }
      Publisher publisher = new Publisher(connection);
      assertThat(publisher.publish(queue, new byte[8], false)).isTrue();
      connection.abort();
      // publish() promises UncheckedIOException when the connection or channel failed: callers
      // (BrokerQueue, the pool) catch that, not the client library's AlreadyClosedException.
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> publisher.publish(queue, new byte[8], false))
            .isInstanceOf(UncheckedIOException.class);
      }
    } finally {
      connection.abort();
    }
  }
}
