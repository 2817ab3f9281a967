package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module descriptor exports the API only, and the library works on the module path: children
 * launch through the module, queue and pipe handles serialize to and from a package the module
 * neither exports nor opens, then attach to the same memory in the child, and the pool's JFR events
 * record.
 */
@ExtendWith(ShmCleanup.class)
class ModuleTest {

  static final Path CLASSES = Path.of("target/classes");

  @TempDir Path dir;

  @Test
  void descriptor_exportsTheApiPackageAndThePoolEngineToRabbitmqOnly() {
    ModuleDescriptor d =
        ModuleFinder.of(CLASSES).find("org.multiprocessing4j").orElseThrow().descriptor();
    assertThat(d.exports())
        .extracting(e -> e.source() + (e.isQualified() ? " to " + e.targets() : ""))
        .containsExactlyInAnyOrder(
            "org.multiprocessing4j",
            "org.multiprocessing4j.internal.pool to [org.multiprocessing4j.rabbitmq]");
    assertThat(d.opens()).isEmpty();
    assertThat(d.requires())
        .filteredOn(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .extracting(ModuleDescriptor.Requires::name)
        .allMatch(name -> name.startsWith("java.") || name.startsWith("jdk."));
  }

  @Test
  void modulePath_childIsLaunchedThroughTheModule() throws Exception {
    String written =
        runOnModulePath(
            "ModMain",
            """
            package mp4jtest;
            import org.multiprocessing4j.JvmProcess;
            public class ModMain {
              public static void main(String[] args) throws Exception {
                String out = args[0];
                JvmProcess p = new JvmProcess(() -> java.nio.file.Files.writeString(
                    java.nio.file.Path.of(out),
                    JvmProcess.class.getModule().getName() + "," + JvmProcess.current().name()));
                p.start().join();
                System.exit(p.exitCode().getAsInt());
              }
            }
            """);
    assertThat(written).startsWith("org.multiprocessing4j,JvmProcess-");
  }

  @Test
  void modulePath_queueAndPipeCapturedByChild_attachInChild() throws Exception {
    String written =
        runOnModulePath(
            "QueueMain",
            """
            package mp4jtest;
            import org.multiprocessing4j.*;
            public class QueueMain {
              public static void main(String[] args) throws Exception {
                try (MultiprocessingContext ctx =
                    Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
                  ProcessQueue<String> q = ctx.queue(2);
                  Pipe pipe = ctx.pipe();
                  Connection end = pipe.second();
                  JvmProcess p = new JvmProcess(() -> {
                    q.put("queue in " + ProcessQueue.class.getModule().getName());
                    end.send("pipe in " + JvmProcess.current().name());
                  });
                  p.start();
                  String got = q.get() + ", " + pipe.first().recv();
                  p.join();
                  java.nio.file.Files.writeString(java.nio.file.Path.of(args[0]), got);
                  System.exit(p.exitCode().getAsInt());
                }
              }
            }
            """,
            "--enable-native-access=org.multiprocessing4j");
    assertThat(written).startsWith("queue in org.multiprocessing4j, pipe in JvmProcess-");
  }

  /** With the library on the module path, the pool's JFR events still record (jdk.jfr reads it). */
  @Test
  void modulePath_poolEventsAreRecorded() throws Exception {
    String written =
        runOnModulePath(
            "JfrMain",
            """
            package mp4jtest;
            import org.multiprocessing4j.*;
            import jdk.jfr.Recording;
            import jdk.jfr.consumer.RecordingFile;
            import java.nio.file.*;
            public class JfrMain {
              public static void main(String[] args) throws Exception {
                Path out = Path.of(args[0]);
                Path jfr = Path.of(args[0] + ".jfr");
                try (Recording r = new Recording()) {
                  r.start();
                  try (ProcessPoolExecutor pool = new ProcessPoolExecutor(1)) {
                    pool.submit(() -> 42).get();
                  }
                  r.stop();
                  r.dump(jfr);
                }
                long n = RecordingFile.readAllEvents(jfr).stream()
                    .filter(e -> e.getEventType().getName().startsWith("org.multiprocessing4j."))
                    .count();
                Files.writeString(out, "events " + n);
              }
            }
            """,
            "--enable-native-access=org.multiprocessing4j");
    // Submitted, started, finished, and the worker's start: at least 4.
    assertThat(written).containsPattern("events ([4-9]|\\d\\d+)");
  }

  /**
   * Compiles {@code mp4jtest.<name>} against the module, runs it in a JVM with the library on the
   * module path and the program on the class path, checks that it exits with 0 and prints no
   * warning, and returns what it wrote to the file named by its first argument.
   */
  private String runOnModulePath(String name, String source, String... javaOptions)
      throws IOException, InterruptedException {
    Path src = dir.resolve("src/mp4jtest/" + name + ".java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, source);
    Path classes = dir.resolve("classes");
    int rc =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                null,
                null,
                "--module-path",
                CLASSES.toString(),
                "--add-modules",
                "org.multiprocessing4j,jdk.jfr",
                "-d",
                classes.toString(),
                src.toString());
    assertThat(rc).isZero();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("--module-path", CLASSES.toString()));
    command.addAll(List.of("--add-modules", "org.multiprocessing4j"));
    command.addAll(List.of(javaOptions));
    command.addAll(List.of("-cp", classes.toString(), "mp4jtest." + name));
    Path out = dir.resolve(name + ".out");
    command.add(out.toString());
    Path log = dir.resolve(name + ".log");
    Process jvm =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      boolean ended = jvm.waitFor(120, TimeUnit.SECONDS);
      String output = Files.readString(log);
      assertThat(ended).as(output).isTrue();
      assertThat(jvm.exitValue()).as(output).isZero();
      assertThat(output).doesNotContain("WARNING");
      return Files.readString(out);
    } finally {
      jvm.destroyForcibly();
      jvm.waitFor();
    }
  }
}
