package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queues and pipes when the library is on the module path: their handles serialize to and from a
 * package the module does not export or open, and the child attaches to the same memory.
 */
@ExtendWith(ShmCleanup.class)
class QueueModuleTest {

  static final Path CLASSES = Path.of("target/classes");

  @TempDir Path dir;

  private @org.jspecify.annotations.Nullable Process jvm;

  @AfterEach
  void kill() throws InterruptedException {
    Process p = jvm;
    if (p != null) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  @Test
  void modulePath_queueAndPipeCapturedByChild_attachInChild() throws Exception {
    Path src = dir.resolve("src/mp4jtest/QueueMain.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
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
    jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                CLASSES.toString(),
                "--add-modules",
                "org.multiprocessing4j",
                "--enable-native-access=org.multiprocessing4j",
                "-cp",
                classes.toString(),
                "mp4jtest.QueueMain",
                out.toString())
            .redirectErrorStream(true)
            .start();
    Process p = jvm;
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).doesNotContain("WARNING");
    assertThat(Files.readString(out))
        .startsWith("queue in org.multiprocessing4j, pipe in JvmProcess-");
  }
}
