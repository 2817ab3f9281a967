package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module descriptor exports the API only, and the library works on the module path. */
class ModuleTest {

  static final Path CLASSES = Path.of("target/classes");

  @TempDir Path dir;

  @Test
  void descriptor_exportsOnlyTheApiPackage() {
    ModuleDescriptor d =
        ModuleFinder.of(CLASSES).find("org.multiprocessing4j").orElseThrow().descriptor();
    assertThat(d.exports())
        .extracting(e -> e.source() + (e.isQualified() ? " to " + e.targets() : ""))
        .containsExactly("org.multiprocessing4j");
    assertThat(d.opens()).isEmpty();
    assertThat(d.requires())
        .filteredOn(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
        .extracting(ModuleDescriptor.Requires::name)
        .allMatch(name -> name.startsWith("java.") || name.startsWith("jdk."));
  }

  @Test
  void modulePath_childIsLaunchedThroughTheModule() throws Exception {
    Path src = dir.resolve("src/mp4jtest/ModMain.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
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
                "org.multiprocessing4j",
                "-d",
                classes.toString(),
                src.toString());
    assertThat(rc).isZero();
    Path out = dir.resolve("out");
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                CLASSES.toString(),
                "--add-modules",
                "org.multiprocessing4j",
                "-cp",
                classes.toString(),
                "mp4jtest.ModMain",
                out.toString())
            .redirectErrorStream(true)
            .start();
    try {
      String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(jvm.exitValue()).as(output).isZero();
      assertThat(output).doesNotContain("WARNING");
      assertThat(Files.readString(out)).startsWith("org.multiprocessing4j,JvmProcess-");
    } finally {
      jvm.destroyForcibly();
      jvm.waitFor();
    }
  }
}
