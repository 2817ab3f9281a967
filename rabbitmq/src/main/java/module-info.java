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

  // A worker node's local pool sends its tasks, lambdas of this package, as their names and
  // captured bytes (no object stream) only if it may reach their writeReplace and
  // $deserializeLambda$.
  opens org.multiprocessing4j.rabbitmq.internal to
      org.multiprocessing4j;
}
