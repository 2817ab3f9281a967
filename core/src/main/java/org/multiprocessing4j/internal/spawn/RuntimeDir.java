package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * This JVM's private folder for the FIFOs of its control channels: {@code
 * <tmp>/mp4j-<pid>-<random>}, mode 0700 so that no other user can open a child's FIFO.
 *
 * <p>Each FIFO's name lives only from just before a child is launched until the child opens it
 * (milliseconds), and the folder is deleted when this JVM exits normally. A JVM killed at the wrong
 * moment leaves its folder behind, so creating a folder first sweeps those of dead owners (the pid
 * in the name is no longer a live process).
 */
final class RuntimeDir {

  private static final String PREFIX = "mp4j-";

  private static @Nullable Path dir; // guarded by RuntimeDir.class

  private RuntimeDir() {}

  /** Returns the folder, creating it (and sweeping dead owners' folders) on first use. */
  static synchronized Path get() throws IOException {
    if (dir == null || !Files.isDirectory(dir)) {
      Path base = base();
      sweep(base);
      String name =
          PREFIX
              + ProcessHandle.current().pid()
              + "-"
              + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
      dir =
          Files.createDirectories(
              base.resolve(name),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    return dir;
  }

  /** Deletes the folder and anything left in it; called at JVM exit. */
  static synchronized void delete() {
    if (dir != null) {
      deleteTree(dir);
      dir = null;
    }
  }

  /** A short temporary folder, for short command lines (and UNIX sockets' 107 bytes, once). */
  private static Path base() {
    String tmp = System.getProperty("java.io.tmpdir", "/tmp");
    return tmp.length() <= 48 ? Path.of(tmp) : Path.of("/tmp");
  }

  private static void sweep(Path base) {
    try (Stream<Path> entries = Files.list(base)) {
      entries
          .filter(p -> p.getFileName().toString().startsWith(PREFIX))
          .filter(p -> ownerIsDead(p.getFileName().toString()))
          .forEach(RuntimeDir::deleteTree);
    } catch (IOException | RuntimeException e) {
      // A sweep is housekeeping; failing it must not stop a launch.
    }
  }

  private static boolean ownerIsDead(String name) {
    int end = name.indexOf('-', PREFIX.length());
    if (end < 0) {
      return false;
    }
    try {
      long pid = Long.parseLong(name.substring(PREFIX.length(), end));
      return ProcessHandle.of(pid).isEmpty();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // Best effort.
                }
              });
    } catch (IOException | RuntimeException e) {
      // Best effort.
    }
  }
}
