package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.JvmProcess;

/**
 * The two JVMs that make an {@link AotCache}, one main class:
 *
 * <ul>
 *   <li>{@code AotTraining make <cache> <timeout seconds> <training command...>}, the maker: takes
 *       the cache's lease, runs the training command, and renames its output into place; or leaves
 *       a {@code .failed} marker.
 *   <li>{@code AotTraining run}, the training JVM, started by the maker with the child's command
 *       line plus {@code -XX:AOTCacheOutput}: plays a whole launch in one JVM so that the cache
 *       records what a child loads and links. A thread acts as the parent (binds the control
 *       socket, sends LAUNCH with a process whose target takes an argument, reads the reports)
 *       while the main thread runs {@link ChildMain#main} itself, with the maker as its parent.
 * </ul>
 *
 * The maker is not tied to the JVM that asked for the cache (no death signal, not ended at its
 * exit), so that the cache is made even when that JVM ends first.
 */
public final class AotTraining {

  /** The maker's first argument. */
  static final String MAKE = "make";

  /** The training JVM's argument. */
  static final String RUN = "run";

  private AotTraining() {}

  /**
   * Makes a cache or trains one.
   *
   * @param args {@code make <cache> <timeout seconds> <training command...>} or {@code run}
   * @throws Exception if the training fails; its JVM then exits with an error and writes no cache
   */
  public static void main(String[] args) throws Exception {
    if (args.length >= 4 && args[0].equals(MAKE)) {
      make(Path.of(args[1]), Long.parseLong(args[2]), Arrays.asList(args).subList(3, args.length));
    } else if (args.length == 1 && args[0].equals(RUN)) {
      run();
    } else {
      System.err.println("AotTraining is started by multiprocessing4j, not by hand.");
      System.exit(2);
    }
  }

  // --------------------------------------------------------------------------------------- make

  private static void make(Path cache, long timeoutSeconds, List<String> training)
      throws IOException, InterruptedException {
    Path lease = AotCache.leaseOf(cache);
    Path failed = AotCache.failedOf(cache);
    Path dir = cache.getParent();
    if (dir == null || !takeLease(lease)) {
      return; // another maker is at it
    }
    Path tmp = null;
    try {
      if (Files.isRegularFile(cache)
          || AotCache.isYoungerThan(failed, AotCache.RETRY_FAILED_AFTER)) {
        return;
      }
      for (String arg : training) {
        if (arg.startsWith("-XX:AOTCacheOutput=")) {
          tmp = Path.of(arg.substring("-XX:AOTCacheOutput=".length()));
        }
      }
      Process p = new ProcessBuilder(training).inheritIO().start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        Files.writeString(failed, "training took longer than " + timeoutSeconds + " s\n");
        return;
      }
      if (p.exitValue() != 0 || tmp == null || !Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
        Files.writeString(failed, "training exited with " + p.exitValue() + "\n");
        return;
      }
      Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      AotCache.sweep(dir, cache);
    } finally {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(Path.of(tmp + ".config")); // JEP 514's temporary configuration
      }
      Files.deleteIfExists(lease);
    }
  }

  private static boolean takeLease(Path lease) throws IOException {
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        Files.writeString(
            lease,
            ProcessHandle.current().pid() + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        if (AotCache.leaseHeld(lease)) {
          return false;
        }
        Files.deleteIfExists(lease); // left by a maker that died
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------- run

  private static void run() throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "mp4j-aot-");
    Path socketPath = dir.resolve("control.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socketPath));
    byte[] payload =
        HandleTarget.serializeProcess(
            new JvmProcess(AotTraining::target, "trained"), "the training process");
    Thread parent =
        new Thread(() -> playParent(server, socketPath, dir, payload), "mp4j-aot-parent");
    parent.setDaemon(true);
    parent.start();
    // The child's side is ChildMain itself, whose parent is the maker: it watches the maker, which
    // outlives it, as a child watches its parent.
    long maker = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    ChildMain.main(new String[] {socketPath.toString(), Long.toString(maker), "mp4j-aot-training"});
  }

  private static void playParent(
      ServerSocketChannel server, Path socket, Path dir, byte[] payload) {
    try (SocketChannel accepted = server.accept()) {
      server.close();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
      ControlChannel channel = new ControlChannel(accepted);
      channel.send(ControlChannel.LAUNCH, payload);
      while (true) {
        channel.read(); // STARTED, SHUTDOWN, until the child side closes at exit
      }
    } catch (IOException | RuntimeException e) {
      // End of the training: the JVM is exiting.
    }
  }

  /** What a typical target touches first. */
  private static void target(String word) {
    if (JvmProcess.current().name().isEmpty() || word.isEmpty()) {
      throw new IllegalStateException("unreachable");
    }
  }
}
