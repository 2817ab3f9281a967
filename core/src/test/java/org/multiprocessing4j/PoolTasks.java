package org.multiprocessing4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Task bodies shared by the pool tests; static, so the lambdas using them capture nothing else. */
final class PoolTasks {

  /** Generous bound for a pool's workers to start and run a little work on a loaded machine. */
  static final Duration POOL_BOUND = Duration.ofSeconds(60);

  /** Set by initializers in a worker; read back by tasks. */
  static volatile @Nullable String initialized;

  private PoolTasks() {}

  static long pid() {
    return ProcessHandle.current().pid();
  }

  /** Publishes this process's pid in {@code file}, then sleeps until killed or interrupted. */
  static long markThenSleep(String file) throws Exception {
    write(file, Long.toString(pid()));
    Thread.sleep(Long.MAX_VALUE);
    return -1;
  }

  static void write(String file, String text) throws IOException {
    Path tmp = Path.of(file + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, Path.of(file), StandardCopyOption.ATOMIC_MOVE);
  }

  static void append(String file, String line) throws IOException {
    Files.writeString(
        Path.of(file),
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  static long readPid(Path file) throws IOException {
    return Long.parseLong(Files.readString(file).trim());
  }

  static int fail(String message) {
    throw new IllegalStateException(message, new ArithmeticException("root cause"));
  }

  static boolean isDead(long pid) {
    return ProcessExitTest.isDead(pid);
  }

  /** Squares {@code x} after a millisecond, so that a map takes long enough to be watched. */
  static int slowSquare(int x) throws InterruptedException {
    Thread.sleep(1);
    return x * x;
  }

  /** Returns {@code x}, except that the worker exits with status 3 at 7. */
  static int exitOnSeven(int x) {
    if (x == 7) {
      System.exit(3);
    }
    return x;
  }
}
