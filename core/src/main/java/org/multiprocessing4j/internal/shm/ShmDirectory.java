package org.multiprocessing4j.internal.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * Where shared-memory files live and how they are named.
 *
 * <pre>
 *   /dev/shm/mp4j-&lt;owner pid&gt;-&lt;context id&gt;-&lt;name&gt;
 *                                 └─ &lt;owner start ticks, base 36&gt;_&lt;context number, base 36&gt;
 *   e.g. /dev/shm/mp4j-4395-4nbm_1-q3
 * </pre>
 *
 * The owner is the process whose context created the file (for a queue's overflow files too, even
 * when another process wrote them). The owner's start time in the context id makes the sweep immune
 * to pid reuse: a file is swept when no process runs with that pid and start time. Files are kept
 * in {@code /dev/shm} (memory, never written to disk); where it does not exist, in {@code
 * <java.io.tmpdir>/mp4j-shm}. The system property {@code mp4j.shm.dir} overrides both.
 */
public final class ShmDirectory {

  /** The prefix of every file. */
  public static final String PREFIX = "mp4j-";

  private static final Pattern NAME = Pattern.compile("mp4j-[0-9]+-[0-9a-z]+_[0-9a-z]+-[\\w.]+");

  private static final Path DIR = chooseDir();

  private ShmDirectory() {}

  private static Path chooseDir() {
    String configured = System.getProperty("mp4j.shm.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path devShm = Path.of("/dev/shm");
    if (Files.isDirectory(devShm) && Files.isWritable(devShm)) {
      return devShm;
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "mp4j-shm");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      // Creating a segment will report it.
    }
    return tmp;
  }

  /** Returns the folder of the files. */
  public static Path dir() {
    return DIR;
  }

  /** Returns the context id of a new context of this process (see the class comment). */
  static String contextId(long number) {
    return Long.toString(ProcessIdentity.selfStart(), 36) + "_" + Long.toString(number, 36);
  }

  /** Returns the file-name prefix of everything a context of this process owns. */
  static String ownerPrefix(String contextId) {
    return PREFIX + ProcessIdentity.selfPid() + "-" + contextId + "-";
  }

  /**
   * Checks that {@code name} is a well-formed file name of ours, so that a name read from another
   * process cannot point outside the folder.
   *
   * @throws IllegalArgumentException if it is not
   */
  static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a multiprocessing4j shared-memory name: " + name);
    }
  }

  /**
   * Returns the owner of a file as a {@link ProcessIdentity} token, or 0 if the name is not ours.
   */
  static long ownerToken(String name) {
    if (!NAME.matcher(name).matches()) {
      return 0;
    }
    int pidEnd = name.indexOf('-', PREFIX.length());
    int startEnd = name.indexOf('_', pidEnd);
    try {
      long pid = Long.parseLong(name.substring(PREFIX.length(), pidEnd));
      long start = Long.parseLong(name.substring(pidEnd + 1, startEnd), 36);
      return ProcessIdentity.token(pid, start);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Removes the files whose owner process has ended.
   *
   * @return the names removed
   */
  public static List<String> sweepDeadOwners() {
    List<String> removed = new ArrayList<>();
    for (Path p : list(PREFIX)) {
      String name = p.getFileName().toString();
      long owner = ownerToken(name);
      if (owner != 0 && !ProcessIdentity.isAlive(owner)) {
        try {
          if (Files.deleteIfExists(p)) {
            removed.add(name);
          }
        } catch (IOException e) {
          // Another sweeper, or not ours to remove: skip.
        }
      }
    }
    return removed;
  }

  /** Returns the regular files in the folder whose name starts with {@code prefix}. */
  public static List<Path> list(String prefix) {
    try (Stream<Path> entries = Files.list(DIR)) {
      return entries
          .filter(p -> p.getFileName().toString().startsWith(prefix))
          .filter(Files::isRegularFile)
          .toList();
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** Returns the pid of a file's owner, or null if the name is not ours. */
  public static @Nullable Long ownerPid(String name) {
    long token = ownerToken(name);
    return token == 0 ? null : ProcessIdentity.pidOf(token);
  }
}
