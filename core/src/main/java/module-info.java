/**
 * multiprocessing4j: Python's {@code multiprocessing} and {@code concurrent.futures} on the JVM.
 *
 * <p>Only {@link org.multiprocessing4j} is exported; everything under {@code
 * org.multiprocessing4j.internal} is an implementation detail.
 *
 * <p>The pool's engine package is exported to the RabbitMQ module alone, which builds distributed
 * pools on it; that module is usually absent when this one compiles, hence the suppression.
 */
@SuppressWarnings("module")
module org.multiprocessing4j {
  requires static org.jspecify;
  requires jdk.unsupported;
  requires jdk.jfr;

  exports org.multiprocessing4j;
  exports org.multiprocessing4j.internal.pool to
      org.multiprocessing4j.rabbitmq;
}
