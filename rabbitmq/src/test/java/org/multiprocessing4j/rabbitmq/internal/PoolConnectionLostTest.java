package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.rabbitmq.RabbitBroker;
import org.multiprocessing4j.rabbitmq.RabbitContext;

/**
 * A submitter whose broker connection is lost, with a task no node has answered: the future fails
 * at once with the reason (no result can come: nothing reconnects), instead of waiting forever, and
 * the pool takes no more tasks.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolConnectionLostTest {

  private static final byte[] KEY =
      "pool-connection-lost-test-key-32".getBytes(StandardCharsets.UTF_8);

  @Test
  void connectionLost_pendingFuturesFail_andThePoolRejectsNewTasks(RabbitBroker.Broker broker)
      throws Exception {
    RabbitContext ctx =
        RabbitContext.builder().uri(broker.uri()).authKey(KEY).namespace("mp4j-lost-pool").build();
    try {
      ProcessPoolExecutor pool = ctx.poolBuilder().poolName("nobody").workers(0).build();
      CompletableFuture<Integer> f = pool.submit(() -> 1); // no node serves "nobody"

      ((RabbitContextImpl) ctx).abortConnectionForTest();

      assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("lost its broker connection");
      assertThatThrownBy(() -> pool.submit(() -> 2)).isInstanceOf(RejectedExecutionException.class);
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      ctx.close();
      ConnectionFactory cf = new ConnectionFactory();
      cf.setUri(broker.uri());
      try (Connection raw = cf.newConnection();
          Channel ch = raw.createChannel()) {
        ch.queueDelete("mp4j-lost-pool.pool.nobody.tasks"); // pool task queues are durable
      }
    }
  }
}
