package org.multiprocessing4j;

public final class Multiprocessing {
  private Multiprocessing() {}

  public static int cpuCount() {
    return Runtime.getRuntime().availableProcessors();
  }
}
