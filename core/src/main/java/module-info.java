/**
 * multiprocessing4j: Python's {@code multiprocessing} and {@code concurrent.futures} on the JVM.
 *
 * <p>Only {@link org.multiprocessing4j} is exported; everything under {@code
 * org.multiprocessing4j.internal} is an implementation detail.
 */
module org.multiprocessing4j {
  requires static org.jspecify;
  requires jdk.unsupported;
  requires jdk.jfr;

  exports org.multiprocessing4j;
}
