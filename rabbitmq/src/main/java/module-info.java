/**
 * multiprocessing4j on RabbitMQ: the queues of {@code org.multiprocessing4j} across hosts.
 *
 * <p>Only {@link org.multiprocessing4j.rabbitmq} is exported; everything under {@code
 * org.multiprocessing4j.rabbitmq.internal} is an implementation detail.
 */
module org.multiprocessing4j.rabbitmq {
  requires static org.jspecify;
  requires transitive org.multiprocessing4j;
  requires com.rabbitmq.client;

  exports org.multiprocessing4j.rabbitmq;
}
