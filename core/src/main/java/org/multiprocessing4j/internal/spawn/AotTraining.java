package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessStartException;
import org.multiprocessing4j.ProcessTarget;

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
      long timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
      long deadline = System.nanoTime() + timeoutNanos;
      Process p;
      try {
        p = startTraining(training, trainingDir.resolve("control.fifo"), deadline, timeoutNanos);
      } catch (ProcessStartException e) {
        Files.writeString(failed, "training did not start: " + e.getMessage() + "\n");
        return;
      }
      if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
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
        Files.deleteIfExists(trainingDir); // the FIFO in it is SpawnedJvm.connect's to delete
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
   * Runs the training JVM as a parent runs a child: starts the training command with {@code <fifo>
   * <our pid> <name>} appended (it ends with {@link ChildMain}'s class) through the handshake every
   * child goes through ({@link SpawnedJvm#connect}: the FIFO made, opened and deleted there, with
   * the deadline), sends LAUNCH on its standard input with a process whose target takes an
   * argument, and reads its reports until it exits. The training JVM so runs exactly a child's
   * bootstrap, and the cache holds what a child loads, not what a parent does.
   *
   * @throws ProcessStartException if the training JVM cannot start, exits before it connects or
   *     does not connect by the deadline; it is no longer running
   */
  static Process startTraining(List<String> training, Path fifo, long deadline, long timeoutNanos) {
    List<String> cmd = new ArrayList<>(training);
    cmd.addAll(
        List.of(
            fifo.toString(), Long.toString(ProcessHandle.current().pid()), "mp4j-aot-training"));
    SpawnedJvm.Connection c =
        SpawnedJvm.connect(
            fifo,
            "mp4j-aot-training",
            deadline,
            timeoutNanos,
            () -> {
              try {
                Process started =
                    new ProcessBuilder(cmd)
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                return new SpawnedJvm.Started(started, null, null);
              } catch (IOException e) {
                throw new ProcessStartException(
                    "cannot start the AOT training JVM: " + e.getMessage(), null, "", e);
              }
            });
    ControlChannel channel = new ControlChannel(c.fromChild(), c.process().getOutputStream());
    Thread parent = new Thread(() -> playParent(channel), "mp4j-aot-parent");
    parent.setDaemon(true);
    parent.start();
    return c.process();
  }

  private static void playParent(ControlChannel channel) {
    try {
      channel.send(ControlChannel.LAUNCH, launchPayload());
      while (true) {
        channel.read(); // STARTED, SHUTDOWN, until the child side closes at exit
      }
    } catch (IOException | RuntimeException e) {
      // End of the training: the training JVM is exiting.
    } finally {
      channel.close();
    }
  }

  /**
   * The LAUNCH of a process whose target takes an argument, in the form a child is sent such a
   * process ({@link CompactLaunch}), so that the cache holds what reading that form loads.
   */
  private static byte[] launchPayload() {
    ProcessTarget.Arg1<String> target = AotTraining::target;
    Object wrapped = ChildMain.wrapWithArg(target, "trained");
    byte[] compact =
        wrapped == null
            ? null
            : CompactLaunch.tryEncode("mp4j-aot-training", false, "1", "MainProcess", wrapped);
    return compact != null
        ? compact
        : HandleTarget.serializeProcess(new JvmProcess(target, "trained"), "the training process");
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
