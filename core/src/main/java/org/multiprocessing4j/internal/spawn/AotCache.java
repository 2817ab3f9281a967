package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A JDK AOT cache (JEP 483, made by one training run as of JDK 25's JEP 514) for child JVMs: the
 * classes a child's bootstrap loads, already parsed, verified and linked, mapped from a file.
 *
 * <h2>Design</h2>
 *
 * One cache per <em>launch command</em>: the key hashes {@code java.home}, the JVM's version, the
 * class path and module path, the user's JVM options and the {@code JAVA_TOOL_OPTIONS}-style
 * variables, because the JVM accepts a cache only for the same class path and compatible options.
 * The file name adds a stamp of every class path entry (size and modification time of each jar, and
 * of the jars their manifests' {@code Class-Path} name), so a rebuilt jar gives a new name and the
 * old cache, which the JVM would refuse anyway, is deleted once the new one exists:
 *
 * <pre>
 *   $XDG_CACHE_HOME/mp4j/aot/ (or ~/.cache/mp4j/aot/, or -Dorg.multiprocessing4j.aot.dir=...)
 *     &lt;key&gt;-&lt;stamp&gt;.aot            the cache, complete: it appears by an atomic rename
 *     &lt;key&gt;-&lt;stamp&gt;.training       a lease: the pid of the JVM making it (stale when that
 *                                  process is gone, or after 10 minutes)
 *     &lt;key&gt;-&lt;stamp&gt;.failed         the last training failed; not retried for a day
 *     &lt;key&gt;-&lt;stamp&gt;.aot.&lt;n&gt;.tmp    the training's output, renamed when complete
 * </pre>
 *
 * <h2>Lifecycle</h2>
 *
 * A launch asks {@link #options}: when the file exists, the child gets {@code -XX:AOTCache=<file>}
 * with the JVM's AOT logging turned off, so a cache the JVM rejects for any reason is silently not
 * used (the JVM's default {@code -XX:AOTMode=auto} falls back to no cache, but prints its reasons
 * unless told not to). When the file is missing, the launch goes on without it, and this JVM starts
 * a <em>maker</em> in the background, once per file:
 *
 * <pre>
 *   this JVM --spawn--&gt; maker JVM (AotTraining make): takes the lease, then
 *                         --runs--&gt; training JVM (the child's command + -XX:AOTCacheOutput=tmp):
 *                                   a child of the maker, which plays its parent; it runs a
 *                                   target and exits; the JDK assembles the cache into tmp
 *                       renames tmp to the cache, sweeps replaced and unused files, drops the lease
 * </pre>
 *
 * The maker is not tied to this JVM (no death signal, not ended at our exit), so that a program
 * that ends in a second still gets its cache made; it ends by itself within {@link
 * #TRAINING_TIMEOUT_SECONDS}. The first launch is not slowed but by the maker's competition for the
 * CPU.
 *
 * <h2>Concurrency</h2>
 *
 * Within this JVM, at most one maker per file ({@link #ASKED}). Across JVMs, the lease file,
 * created with {@code CREATE_NEW}, keeps a second maker from training the same cache; two that
 * still train at once (a lease taken over as stale) each write their own temporary file and rename
 * it into place, so readers see one complete cache or the other, never a part. A cache deleted
 * while a child maps it stays mapped.
 *
 * <h2>Failure</h2>
 *
 * Nothing here fails a launch: a missing folder, a class path the JDK cannot archive (a non-empty
 * folder of classes, as in an IDE or {@code mvn test}), conflicting JVM options of the user's
 * ({@code -Xshare}, {@code -XX:SharedArchiveFile}, their own {@code -XX:AOTCache}) or a failed
 * training all mean "no cache".
 */
public final class AotCache {

  /** Overrides the folder of the caches. */
  static final String DIR_PROPERTY = "org.multiprocessing4j.aot.dir";

  /** Names a file to which training runs append their output, to see why a cache is missing. */
  static final String LOG_PROPERTY = "org.multiprocessing4j.aot.log";

  static final Duration LEASE_TIMEOUT = Duration.ofMinutes(10);
  static final Duration RETRY_FAILED_AFTER = Duration.ofDays(1);
  static final Duration FORGET_UNUSED_AFTER = Duration.ofDays(7);

  /**
   * Caches kept at most, the most recently used first (each is about 14 MB): every class path and
   * JDK gets a cache of its own, so a developer's worktrees, builds and tests would otherwise fill
   * the folder (443 MB was seen).
   */
  static final int MAX_CACHES = 8;

  static final long TRAINING_TIMEOUT_SECONDS = 120;

  /** Options that choose the JVM's class data sharing themselves; with one, we keep out. */
  private static final List<String> CONFLICTING_PREFIXES =
      List.of(
          "-Xshare",
          "-XX:SharedArchiveFile",
          "-XX:SharedClassListFile",
          "-XX:ArchiveClassesAtExit",
          "-XX:+AutoCreateSharedArchive",
          "-XX:DumpLoadedClassList",
          "-XX:AOT",
          "-XX:+AOT",
          "-XX:-AOT",
          "-XX:+RecordDynamicDumpInfo",
          "-XX:CRaC",
          "-Xlog:aot",
          "-Xlog:cds",
          "@");

  private static final List<String> OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  /**
   * Files this JVM has asked a maker for, or found being made or failed: each is asked for at most
   * once per JVM, so that a maker that cannot succeed (a folder that cannot be written) is not
   * started again at every launch.
   */
  private static final Set<Path> ASKED = ConcurrentHashMap.newKeySet();

  /** Makers this JVM is starting or started that have not ended. */
  private static final AtomicInteger PENDING = new AtomicInteger();

  /** Caches whose header this JVM has checked. */
  private static final Set<Path> VALIDATED = ConcurrentHashMap.newKeySet();

  private static final byte[] MAGIC_LITTLE_ENDIAN = {(byte) 0xa2, (byte) 0xab, 0x0b, (byte) 0xf0};
  private static final byte[] MAGIC_BIG_ENDIAN = {(byte) 0xf0, 0x0b, (byte) 0xab, (byte) 0xa2};

  /** Caches this JVM has used, whose modification time it has refreshed. */
  private static final Set<Path> TOUCHED = ConcurrentHashMap.newKeySet();

  /** Manifest Class-Path entries by jar and stamp, since reading a manifest opens the jar. */
  private static final Map<String, List<Path>> MANIFEST_CLASS_PATHS = new ConcurrentHashMap<>();

  private AotCache() {}

  /**
   * Returns the JVM options that make a child launched with {@code spec} and {@code cp} use its AOT
   * cache, or an empty list when there is none yet (then a training starts in the background) or
   * there cannot be one.
   */
  static List<String> options(LaunchSpec spec, ChildClassPath cp) {
    Path file = file(spec, cp);
    if (file == null) {
      return List.of();
    }
    if (Files.isRegularFile(file) && looksValid(file)) {
      touch(file);
      return List.of("-XX:AOTCache=" + file, "-Xlog:aot*=off", "-Xlog:cds*=off");
    }
    startTraining(spec, cp, file);
    return List.of();
  }

  /**
   * Returns the cache file for this launch, whether or not it exists, or null when this launch
   * cannot have one.
   */
  static @Nullable Path file(LaunchSpec spec, ChildClassPath cp) {
    if (!supported() || conflicts(spec)) {
      return null;
    }
    Path dir = dir();
    if (dir == null) {
      return null;
    }
    StringBuilder key = new StringBuilder();
    key.append(System.getProperty("java.home")).append('\n');
    key.append(System.getProperty("java.vm.version")).append('\n');
    key.append(System.getProperty("os.arch")).append('\n');
    key.append(cp).append('\n');
    for (String option : keyOptions(spec)) {
      key.append(option).append('\n');
    }
    for (String variable : OPTION_VARIABLES) {
      key.append(variable).append('=').append(optionVariable(spec, variable)).append('\n');
    }
    String stamp = stamp(cp.entries());
    if (stamp == null) {
      return null;
    }
    Path file = dir.resolve(hash(key.toString(), 20) + "-" + hash(stamp, 12) + ".aot");
    return file;
  }

  /**
   * Returns the folder of the caches; for tests, benchmarks and diagnostics.
   *
   * @return the folder, or null when there is no home to put it in
   */
  public static @Nullable Path dir() {
    String configured = System.getProperty(DIR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "mp4j", "aot");
    }
    String home = System.getProperty("user.home");
    if (home == null || home.isBlank() || home.equals("?")) {
      return null;
    }
    return Path.of(home, ".cache", "mp4j", "aot");
  }

  /**
   * Returns the user's JVM options that the cache depends on: all but logging ({@code -Xlog}),
   * which the JVM does not check and which the training run should not repeat.
   */
  private static List<String> keyOptions(LaunchSpec spec) {
    List<String> options = new ArrayList<>();
    for (String option : spec.jvmOptions()) {
      if (!option.startsWith("-Xlog")) {
        options.add(option);
      }
    }
    return options;
  }

  /** The AOT cache and its one-step creation came with JDK 25's HotSpot. */
  private static boolean supported() {
    String vm = System.getProperty("java.vm.name", "");
    return Runtime.version().feature() >= 25
        && (vm.contains("HotSpot") || vm.contains("OpenJDK"))
        && !vm.contains("OpenJ9");
  }

  private static boolean conflicts(LaunchSpec spec) {
    List<String> options = new ArrayList<>(spec.jvmOptions());
    for (String variable : OPTION_VARIABLES) {
      options.addAll(List.of(optionVariable(spec, variable).split("\\s+", -1)));
    }
    for (String option : options) {
      for (String prefix : CONFLICTING_PREFIXES) {
        if (option.startsWith(prefix)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String optionVariable(LaunchSpec spec, String name) {
    String value = spec.environment().get(name);
    if (value == null) {
      value = System.getenv(name);
    }
    return value == null ? "" : value.strip();
  }

  /**
   * Returns a stamp of the entries (and of the jars their manifests add), or null when an entry is
   * a non-empty folder, which the JDK refuses to archive ("Cannot have non-empty directory in
   * paths").
   */
  private static @Nullable String stamp(List<Path> entries) {
    StringBuilder stamp = new StringBuilder();
    List<Path> todo = new ArrayList<>(entries);
    Set<Path> seen = new java.util.HashSet<>();
    for (int i = 0; i < todo.size(); i++) {
      Path entry = todo.get(i).toAbsolutePath().normalize();
      if (!seen.add(entry)) {
        continue;
      }
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(entry, BasicFileAttributes.class);
      } catch (IOException e) {
        stamp.append(entry).append(" missing\n");
        continue;
      }
      if (attrs.isDirectory()) {
        if (!isEmptyDirectory(entry)) {
          return null;
        }
        stamp.append(entry).append(" empty\n");
        continue;
      }
      String id = entry + " " + attrs.size() + " " + attrs.lastModifiedTime().toMillis();
      stamp.append(id).append('\n');
      todo.addAll(MANIFEST_CLASS_PATHS.computeIfAbsent(id, k -> manifestClassPath(entry)));
    }
    return stamp.toString();
  }

  private static boolean isEmptyDirectory(Path dir) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  private static List<Path> manifestClassPath(Path jar) {
    try (JarFile j = new JarFile(jar.toFile(), false)) {
      Manifest m = j.getManifest();
      String value = m == null ? null : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (value == null) {
        return List.of();
      }
      List<Path> paths = new ArrayList<>();
      Path base = jar.getParent();
      for (String url : value.strip().split("\\s+", -1)) {
        if (!url.isEmpty() && !url.contains(":") && base != null) {
          paths.add(base.resolve(url));
        }
      }
      return paths;
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private static String hash(String text, int hexDigits) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, hexDigits);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /**
   * Whether the file starts as a JDK archive does ({@code 0xf00baba2}, in the machine's byte
   * order), checked once per file and JVM. A file that does not is deleted, so that it is made
   * again: the JVM would otherwise ignore it at every launch, silently, for ever.
   */
  private static boolean looksValid(Path file) {
    if (VALIDATED.contains(file)) {
      return true;
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(head, 0, 4) == 4
          && (Arrays.equals(head, MAGIC_LITTLE_ENDIAN) || Arrays.equals(head, MAGIC_BIG_ENDIAN))) {
        VALIDATED.add(file);
        return true;
      }
    } catch (IOException e) {
      return false;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Then it stays unused.
    }
    return false;
  }

  /** Keeps caches in use young, so that the sweep of unused ones spares them. */
  private static void touch(Path file) {
    if (TOUCHED.add(file)) {
      try {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
      } catch (IOException e) {
        // A read-only cache is still a cache.
      }
    }
  }

  // ----------------------------------------------------------------------------------- training

  private static void startTraining(LaunchSpec spec, ChildClassPath cp, Path file) {
    if (!ASKED.add(file)) {
      return; // asked for already in this JVM
    }
    Path dir = file.getParent();
    if (dir == null
        || leaseHeld(leaseOf(file))
        || isYoungerThan(failedOf(file), RETRY_FAILED_AFTER)) {
      return; // being made by another JVM, or failed lately
    }
    PENDING.incrementAndGet();
    Thread.ofVirtual()
        .name("mp4j-aot-training")
        .start(
            () -> {
              try {
                Files.createDirectories(dir);
                Process maker = makerCommand(spec, cp, file).start();
                var unused = maker.onExit().thenRun(PENDING::decrementAndGet);
              } catch (IOException | RuntimeException e) {
                PENDING.decrementAndGet();
              }
            });
  }

  /**
   * Waits until no cache maker started by this JVM is running; for tests and benchmarks.
   *
   * @param timeout how long to wait at most
   * @return true if none is running
   * @throws InterruptedException if interrupted while waiting
   */
  public static boolean awaitTrainings(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (PENDING.get() > 0) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /**
   * The maker: a small JVM of its own, not tied to this one (no death signal, not ended at our
   * exit), so that a cache is made even for a program that ends in a second. It takes the lease,
   * runs the training JVM, and renames the result into place ({@link AotTraining#make}).
   */
  private static ProcessBuilder makerCommand(LaunchSpec spec, ChildClassPath cp, Path file) {
    List<String> cmd = new ArrayList<>();
    cmd.add(SpawnedJvm.javaExecutable());
    cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"));
    cmd.addAll(cp.launchOptions(AotTraining.class.getName()));
    cmd.add(AotTraining.MAKE);
    cmd.add(file.toString());
    cmd.add(Long.toString(TRAINING_TIMEOUT_SECONDS));
    // The training JVM's command: the child's, minus logging, plus the cache output.
    boolean pdeathsigByLauncher = false;
    if (!SpawnedJvm.setsProperty(spec.jvmOptions(), ChildMain.PDEATHSIG_PROPERTY)) {
      List<String> prefix = DeathSignalLauncher.prefix();
      cmd.addAll(prefix);
      pdeathsigByLauncher = !prefix.isEmpty();
    }
    cmd.add(SpawnedJvm.javaExecutable());
    String tmp = file + "." + HexFormat.of().toHexDigits(System.nanoTime()) + ".tmp";
    cmd.add("-XX:AOTCacheOutput=" + tmp);
    if (pdeathsigByLauncher) {
      cmd.add("-D" + ChildMain.PDEATHSIG_PROPERTY + "=" + ChildMain.PDEATHSIG_BY_LAUNCHER);
    }
    cmd.addAll(keyOptions(spec));
    // The maker appends ChildMain's arguments: it plays the training child's parent.
    cmd.addAll(cp.launchOptions(ChildMain.class.getName()));

    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(spec.environment());
    if (spec.workingDirectory() != null) {
      pb.directory(spec.workingDirectory().toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    String log = System.getProperty(LOG_PROPERTY);
    if (log != null && !log.isBlank()) {
      pb.redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of(log).toFile()));
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    return pb;
  }

  static Path leaseOf(Path cache) {
    return sibling(cache, ".training");
  }

  static Path failedOf(Path cache) {
    return sibling(cache, ".failed");
  }

  private static Path sibling(Path cache, String suffix) {
    String name = cache.getFileName().toString();
    return cache.resolveSibling(name.substring(0, name.length() - ".aot".length()) + suffix);
  }

  /** Whether a live maker holds the lease: it names its pid, and is younger than the timeout. */
  static boolean leaseHeld(Path lease) {
    try {
      long pid = Long.parseLong(Files.readString(lease, StandardCharsets.UTF_8).strip());
      return isYoungerThan(lease, LEASE_TIMEOUT) && ProcessHandle.of(pid).isPresent();
    } catch (IOException | NumberFormatException e) {
      return false;
    }
  }

  static boolean isYoungerThan(Path file, Duration age) {
    try {
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      return modified.isAfter(Instant.now().minus(age));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Deletes what a new cache replaces or what was forgotten: other stamps of the same key,
   * temporary files and leases of dead makers, caches unused for {@link #FORGET_UNUSED_AFTER}, and
   * the least recently used caches beyond {@link #MAX_CACHES} (the one just made is kept). Use is
   * the modification time, which a JVM refreshes when it first hands a cache to a child. A cache
   * deleted while a child maps it stays mapped; a launch that found it a moment before gets none.
   */
  static void sweep(Path dir, Path made) {
    String name = made.getFileName().toString();
    String key = name.substring(0, name.indexOf('-') + 1);
    List<Path> kept = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String n = f.getFileName().toString();
        boolean sameKeyOtherStamp = n.startsWith(key) && !f.equals(made) && n.endsWith(".aot");
        boolean abandoned =
            (n.endsWith(".tmp") || n.endsWith(".config") || n.endsWith(".training"))
                && !isYoungerThan(f, LEASE_TIMEOUT);
        boolean unused = n.endsWith(".aot") && !isYoungerThan(f, FORGET_UNUSED_AFTER);
        boolean oldFailure = n.endsWith(".failed") && !isYoungerThan(f, RETRY_FAILED_AFTER);
        if (sameKeyOtherStamp || abandoned || unused || oldFailure) {
          Files.deleteIfExists(f); // a JVM mapping a deleted cache keeps its mapping
        } else if (n.endsWith(".aot") && !f.equals(made)) {
          kept.add(f);
        }
      }
      kept.sort(Comparator.comparing(AotCache::lastUse).reversed());
      for (Path f : kept.subList(Math.min(kept.size(), MAX_CACHES - 1), kept.size())) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | RuntimeException e) {
      // Housekeeping only.
    }
  }

  private static Instant lastUse(Path cache) {
    try {
      return Files.getLastModifiedTime(cache).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH; // gone already: first in line
    }
  }
}
