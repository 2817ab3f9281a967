package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.JvmProcess;

/**
 * The JVM that makes an {@link AotCache}: {@code AotTraining make <cache> <timeout seconds>
 * <training command...>}, the maker, takes the cache's lease, runs the training command, and
 * renames its output into place; or leaves a {@code .failed} marker.
 *
 * <p>The training JVM is a child like any other: the child's command line plus {@code
 * -XX:AOTCacheOutput}, running {@link ChildMain}, with the maker playing its parent (the control
 * FIFO, LAUNCH of a process whose target takes an argument, the reports until it exits). So the
 * cache holds what a child's bootstrap loads and links, and nothing of a parent's: with JEP 483's
 * class linking, every class in the cache is loaded at each child's start, used or not.
 *
 * <p>The maker is not tied to the JVM that asked for the cache (no death signal, not ended at its
 * exit), so that the cache is made even when that JVM ends first.
 */
public final class AotTraining {

  /** The maker's first argument. */
  static final String MAKE = "make";

  private AotTraining() {}

  /**
   * Makes a cache or trains one.
   *
   * @param args {@code make <cache> <timeout seconds> <training command...>}
   * @throws Exception if the training fails; its JVM then exits with an error and writes no cache
   */
  public static void main(String[] args) throws Exception {
    if (args.length >= 4 && args[0].equals(MAKE)) {
      make(Path.of(args[1]), Long.parseLong(args[2]), Arrays.asList(args).subList(3, args.length));
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
    Path trainingDir = null;
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
      trainingDir = Files.createTempDirectory(Path.of("/tmp"), "mp4j-aot-");
      Process p = startTraining(training, trainingDir);
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
      if (trainingDir != null) {
        Files.deleteIfExists(trainingDir.resolve("control.fifo"));
        Files.deleteIfExists(trainingDir);
      }
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

  // ------------------------------------------------------------------------- play the parent

  /**
   * Runs the training JVM as a parent runs a child: makes the control FIFO, starts the training
   * command with {@code <fifo> <our pid> <name>} appended (it ends with {@link ChildMain}'s class),
   * sends LAUNCH on its standard input with a process whose target takes an argument, and reads its
   * reports until it exits. The training JVM so runs exactly a child's bootstrap, and the cache
   * holds what a child loads, not what a parent does.
   */
  private static Process startTraining(List<String> training, Path dir) throws IOException {
    Path fifo = dir.resolve("control.fifo");
    Fifo.make(fifo);
    List<String> cmd = new ArrayList<>(training);
    cmd.addAll(
        List.of(
            fifo.toString(), Long.toString(ProcessHandle.current().pid()), "mp4j-aot-training"));
    CompletableFuture<InputStream> fromChild = Fifo.openForReading(fifo, "mp4j-aot-open");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Thread parent = new Thread(() -> playParent(p, fifo, fromChild), "mp4j-aot-parent");
    parent.setDaemon(true);
    parent.start();
    return p;
  }

  private static void playParent(Process p, Path fifo, CompletableFuture<InputStream> fromChild) {
    ControlChannel channel = null;
    try {
      CompletableFuture.anyOf(fromChild, p.onExit()).join();
      if (!fromChild.isDone()) {
        Fifo.unblock(fifo); // the training JVM exited before it opened the FIFO
      }
      channel = new ControlChannel(fromChild.join(), p.getOutputStream());
      Files.deleteIfExists(fifo);
      byte[] payload =
          HandleTarget.serializeProcess(
              new JvmProcess(AotTraining::target, "trained"), "the training process");
      channel.send(ControlChannel.LAUNCH, payload);
      while (true) {
        channel.read(); // STARTED, SHUTDOWN, until the child side closes at exit
      }
    } catch (IOException | RuntimeException e) {
      // End of the training: the training JVM is exiting.
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }

  /**
   * What a typical target touches first: its process, a string concatenation (an {@code
   * invokedynamic} whose bootstrap loads {@code StringConcatFactory}) and {@code System.out}'s
   * encoder. The line goes to the maker's output, which is discarded unless logged.
   */
  private static void target(String word) {
    if (JvmProcess.current().name().isEmpty() || word.isEmpty()) {
      throw new IllegalStateException("unreachable");
    }
    System.out.println("AOT training: " + word + " ran in pid " + ProcessHandle.current().pid());
  }
}
