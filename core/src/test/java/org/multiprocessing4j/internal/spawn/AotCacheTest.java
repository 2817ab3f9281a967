package org.multiprocessing4j.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ChildCleanup;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Output;
import org.multiprocessing4j.ProcessOptions;

/**
 * The children's AOT cache ({@link AotCache}): which launches can have one and which file it is,
 * and, end to end in JVMs whose class path is made of jars (this test JVM's holds folders, which
 * the JDK cannot archive), that it is made in the background, used, rebuilt when a jar changes, and
 * ignored without a word when it is bad.
 */
@ExtendWith(ChildCleanup.class)
class AotCacheTest {

  /** Bound for a parent JVM whose child's cache is trained, on a loaded 2-core machine. */
  static final long PARENT_BOUND_SECONDS = 180;

  @TempDir Path dir;

  private @Nullable String savedDir;

  @BeforeEach
  void useTemporaryCacheFolder() {
    savedDir = System.getProperty(AotCache.DIR_PROPERTY);
    System.setProperty(AotCache.DIR_PROPERTY, dir.resolve("aot").toString());
  }

  @AfterEach
  void restoreCacheFolder() {
    if (savedDir == null) {
      System.clearProperty(AotCache.DIR_PROPERTY);
    } else {
      System.setProperty(AotCache.DIR_PROPERTY, savedDir);
    }
  }

  static LaunchSpec spec(List<String> jvmOptions, Map<String, String> env) {
    return new LaunchSpec(
        jvmOptions,
        List.of(),
        env,
        null,
        new LaunchSpec.Sink(LaunchSpec.SinkKind.PARENT, null),
        new LaunchSpec.Sink(LaunchSpec.SinkKind.PARENT, null),
        TimeUnit.SECONDS.toNanos(60),
        "test",
        true,
        0,
        List.of());
  }

  static LaunchSpec spec(String... jvmOptions) {
    return spec(List.of(jvmOptions), Map.of());
  }

  Path jar(String name) throws IOException {
    Path jar = dir.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("x.txt"));
      out.write(name.getBytes(StandardCharsets.UTF_8));
    }
    return jar;
  }

  @Test
  void sweep_manyClassPaths_keepsTheMostRecentlyUsedAndTheNewOne() throws IOException {
    Path aot = Files.createDirectories(dir.resolve("sweep"));
    Instant now = Instant.now();
    List<Path> caches = new ArrayList<>();
    for (int i = 0; i < AotCache.MAX_CACHES + 4; i++) {
      // Other keys (class paths, JDKs), used i hours ago.
      Path cache = aot.resolve(String.format("%020d-%012d.aot", i + 1, 0));
      Files.writeString(cache, "cache " + i);
      Files.setLastModifiedTime(cache, FileTime.from(now.minus(Duration.ofHours(i))));
      caches.add(cache);
    }
    Path made = aot.resolve(String.format("%020d-%012d.aot", 0, 1));
    Files.writeString(made, "new");
    Files.setLastModifiedTime(made, FileTime.from(now.minus(Duration.ofDays(1)))); // kept anyway

    AotCache.sweep(aot, made);

    List<Path> expected = new ArrayList<>(caches.subList(0, AotCache.MAX_CACHES - 1));
    expected.add(made);
    try (Stream<Path> left = Files.list(aot)) {
      assertThat(left.toList()).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  @Test
  void sweep_cacheUnusedForAWeek_deletedEvenUnderTheLimit() throws IOException {
    Path aot = Files.createDirectories(dir.resolve("sweep"));
    Path recent = aot.resolve(String.format("%020d-%012d.aot", 1, 0));
    Path forgotten = aot.resolve(String.format("%020d-%012d.aot", 2, 0));
    Path made = aot.resolve(String.format("%020d-%012d.aot", 3, 0));
    for (Path f : List.of(recent, forgotten, made)) {
      Files.writeString(f, "cache");
    }
    Files.setLastModifiedTime(
        forgotten,
        FileTime.from(Instant.now().minus(AotCache.FORGET_UNUSED_AFTER).minusSeconds(60)));

    AotCache.sweep(aot, made);

    try (Stream<Path> left = Files.list(aot)) {
      assertThat(left.toList()).containsExactlyInAnyOrder(recent, made);
    }
  }

  /** The cache file of a launch that must have one. */
  static Path fileOf(LaunchSpec spec, ChildClassPath cp) {
    return java.util.Objects.requireNonNull(AotCache.file(spec, cp), "no cache for " + spec);
  }

  @Test
  void file_jarsOnly_inTheCacheFolder() throws IOException {
    ChildClassPath cp = new ChildClassPath(jar("a.jar").toString(), null, null);

    Path file = fileOf(spec(), cp);

    assertThat(file.getParent()).isEqualTo(dir.resolve("aot"));
    assertThat(file.getFileName().toString()).matches("[0-9a-f]{20}-[0-9a-f]{12}\\.aot");
  }

  @Test
  void file_folderOfClassesOnClassPath_none() throws IOException {
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Files.writeString(classes.resolve("A.class"), "not really");
    ChildClassPath cp = new ChildClassPath(jar("a.jar") + ":" + classes, null, null);

    assertThat(AotCache.file(spec(), cp)).isNull();
  }

  @Test
  void file_emptyFolderOnClassPath_allowed() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    ChildClassPath cp = new ChildClassPath(jar("a.jar") + ":" + empty, null, null);

    assertThat(AotCache.file(spec(), cp)).isNotNull();
  }

  @Test
  void file_jarRebuilt_sameKeyNewStamp() throws IOException {
    Path a = jar("a.jar");
    ChildClassPath cp = new ChildClassPath(a.toString(), null, null);
    Path before = fileOf(spec(), cp);
    Files.setLastModifiedTime(a, FileTime.from(Instant.now().plusSeconds(5)));

    Path after = fileOf(spec(), cp);

    assertThat(after).isNotEqualTo(before);
    assertThat(after.getFileName().toString().substring(0, 21))
        .isEqualTo(before.getFileName().toString().substring(0, 21));
  }

  @Test
  void file_otherOptions_otherKey_butLoggingIsIgnored() throws IOException {
    ChildClassPath cp = new ChildClassPath(jar("a.jar").toString(), null, null);
    Path plain = AotCache.file(spec(), cp);

    assertThat(AotCache.file(spec("-Xmx64m"), cp)).isNotNull().isNotEqualTo(plain);
    assertThat(AotCache.file(spec("-Xlog:gc:file=/dev/null"), cp)).isEqualTo(plain);
  }

  @Test
  void file_optionsThatChooseClassDataSharing_none() throws IOException {
    ChildClassPath cp = new ChildClassPath(jar("a.jar").toString(), null, null);

    assertThat(AotCache.file(spec("-Xshare:off"), cp)).isNull();
    assertThat(AotCache.file(spec("-XX:SharedArchiveFile=/tmp/x.jsa"), cp)).isNull();
    assertThat(AotCache.file(spec("-XX:AOTCache=/tmp/x.aot"), cp)).isNull();
    assertThat(AotCache.file(spec("-Xlog:aot"), cp)).isNull();
    assertThat(AotCache.file(spec(List.of(), Map.of("JAVA_TOOL_OPTIONS", "-Xshare:off")), cp))
        .isNull();
  }

  @Test
  void file_manifestClassPathJarChanged_newStamp() throws IOException {
    Path dep = jar("dep.jar");
    Path main = dir.resolve("main.jar");
    java.util.jar.Manifest m = new java.util.jar.Manifest();
    m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, "dep.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(main), m)) {
      out.putNextEntry(new JarEntry("y.txt"));
    }
    ChildClassPath cp = new ChildClassPath(main.toString(), null, null);
    Path before = AotCache.file(spec(), cp);
    Files.setLastModifiedTime(dep, FileTime.from(Instant.now().plusSeconds(5)));

    assertThat(AotCache.file(spec(), cp)).isNotNull().isNotEqualTo(before);
  }

  // ------------------------------------------------------------------------- end to end, in JVMs

  /**
   * The main class of the parent JVMs below: starts one child with the AOT cache on, joins it, and
   * waits for the cache's training. With an argument, the child logs its class loading to that
   * file. Prints the child's exit code and captured output.
   */
  public static final class Parent {
    private Parent() {}

    public static void main(String[] args) throws Exception {
      ProcessOptions.Builder options =
          ProcessOptions.builder().aotCache(true).stdout(Output.capture()).stderr(Output.capture());
      if (args.length > 0) {
        options.jvmOptions("-Xlog:class+load:file=" + args[0]);
      }
      JvmProcess child = new JvmProcess(Parent::run).setOptions(options.build());
      child.start().join();
      System.out.println("exit " + child.exitCode().orElse(-1));
      System.out.println("stdout [" + child.capturedStdout() + "]");
      System.out.println("stderr [" + child.capturedStderr() + "]");
      if (!AotCache.awaitTrainings(Duration.ofSeconds(PARENT_BOUND_SECONDS))) {
        System.out.println("training still running");
      }
    }

    static void run() {
      if (JvmProcess.current().name().isEmpty()) {
        throw new IllegalStateException("unreachable");
      }
    }
  }

  /** Jars of this module's classes and of the Parent class: a class path the JDK can archive. */
  List<Path> jarClassPath() throws IOException, URISyntaxException {
    Path core = Path.of(AotCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path tests = Path.of(Parent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path coreJar = dir.resolve("core.jar");
    Path testJar = dir.resolve("test.jar");
    jarFolder(core, coreJar, p -> true);
    jarFolder(tests, testJar, p -> p.getFileName().toString().startsWith("AotCacheTest$Parent"));
    return List.of(coreJar, testJar);
  }

  static void jarFolder(Path folder, Path jar, java.util.function.Predicate<Path> include)
      throws IOException {
    if (!Files.isDirectory(folder)) {
      Files.copy(folder, jar); // already a jar
      return;
    }
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(folder)) {
      for (Path f : files.filter(Files::isRegularFile).filter(include).toList()) {
        String name = folder.relativize(f).toString().replace('\\', '/');
        if (name.equals("module-info.class")) {
          continue;
        }
        out.putNextEntry(new JarEntry(name));
        try (OutputStream entry = new NonClosing(out)) {
          Files.copy(f, entry);
        }
      }
    }
  }

  /** Lets Files.copy write one entry without closing the jar. */
  static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Runs a Parent JVM on {@code classPath}; returns what it printed. */
  String runParent(List<Path> classPath, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(SpawnedJvm.javaExecutable());
    cmd.add("-D" + AotCache.DIR_PROPERTY + "=" + dir.resolve("aot"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(String.join(":", classPath.stream().map(Path::toString).toList()));
    cmd.add(Parent.class.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(PARENT_BOUND_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the parent JVM did not end: " + out);
    }
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  List<String> cacheFolder() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("aot"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void cache_madeInTheBackground_thenUsedSilently() throws Exception {
    List<Path> cp = jarClassPath();

    String first = runParent(cp);

    assertThat(first).contains("exit 0", "stdout []", "stderr []").doesNotContain("still");
    List<String> made = cacheFolder();
    assertThat(made).hasSize(1).allMatch(n -> n.endsWith(".aot")); // no lease, tmp or failure left

    Path log = dir.resolve("classes.log");
    String second = runParent(cp, log.toString());

    assertThat(second).contains("exit 0", "stdout []", "stderr []");
    assertThat(Files.readString(log, StandardCharsets.UTF_8))
        .contains(ChildMain.class.getName() + " source: shared objects file");
    assertThat(cacheFolder()).isEqualTo(made);
  }

  @Test
  void cache_jarChanged_rebuiltAndOldOneDeleted() throws Exception {
    List<Path> cp = jarClassPath();
    runParent(cp);
    List<String> old = cacheFolder();
    Files.setLastModifiedTime(cp.getFirst(), FileTime.from(Instant.now().plusSeconds(5)));

    runParent(cp);

    List<String> rebuilt = cacheFolder();
    assertThat(rebuilt).hasSize(1).doesNotContainAnyElementsOf(old);
  }

  @Test
  void cache_corrupt_childStartsWithoutItSaysNothingAndTheCacheIsMadeAgain() throws Exception {
    List<Path> cp = jarClassPath();
    runParent(cp);
    List<String> made = cacheFolder();
    Path cache = dir.resolve("aot").resolve(made.getFirst());
    Files.writeString(cache, "this is not an AOT cache");
    Path log = dir.resolve("classes.log");

    String out = runParent(cp, log.toString());

    assertThat(out).contains("exit 0", "stdout []", "stderr []");
    assertThat(Files.readString(log, StandardCharsets.UTF_8))
        .contains(ChildMain.class.getName())
        .doesNotContain(ChildMain.class.getName() + " source: shared objects file");
    assertThat(cacheFolder()).isEqualTo(made);
    assertThat(Files.size(cache)).isGreaterThan(1_000_000);
  }

  @Test
  void cache_unreadableByTheJvm_childSaysNothing() throws Exception {
    List<Path> cp = jarClassPath();
    runParent(cp);
    Path cache = dir.resolve("aot").resolve(cacheFolder().getFirst());
    // A valid header on a body the JVM rejects: it must fall back silently.
    byte[] bytes = Files.readAllBytes(cache);
    java.util.Arrays.fill(bytes, 64, bytes.length, (byte) 0x5a);
    Files.write(cache, bytes);

    String out = runParent(cp);

    assertThat(out).contains("exit 0", "stdout []", "stderr []");
  }
}
