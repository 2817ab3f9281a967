package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Launch options and contexts, as the child sees them. */
@ExtendWith(ChildCleanup.class)
class ProcessOptionsTest {

  @TempDir Path dir;

  @Test
  void workingDirectory_isTheChilds() throws Exception {
    Path work = Files.createDirectory(dir.resolve("work"));
    Path out = dir.resolve("cwd");
    String file = out.toString();
    JvmProcess p =
        new JvmProcess(() -> JvmProcessTest.write(file, Path.of("").toAbsolutePath().toString()));
    p.setOptions(ProcessOptions.builder().workingDirectory(work).build());
    p.start().join();
    assertThat(Files.readString(out)).isEqualTo(work.toAbsolutePath().toString());
  }

  static void loadClass(String name) throws ClassNotFoundException {
    Class.forName(name);
  }

  @Test
  void classPath_extraEntryIsOnTheChildsClassPath() throws Exception {
    ForeignClass.compileAndLoad(dir); // compiles into dir/classes; not on our class path
    JvmProcess p = new JvmProcess(ProcessOptionsTest::loadClass, ForeignClass.NAME);
    p.setOptions(ProcessOptions.builder().classPath(dir.resolve("classes")).build());
    p.start().join();
    assertThat(p.exitCode()).hasValue(0);

    JvmProcess without = new JvmProcess(ProcessOptionsTest::loadClass, ForeignClass.NAME);
    without.setOptions(ProcessOptions.builder().stderr(Output.discard()).build());
    without.start().join();
    assertThat(without.exitCode()).hasValue(1);
    assertThat(without.failure().orElseThrow().remoteClassName())
        .isEqualTo("java.lang.ClassNotFoundException");
  }

  @Test
  void builder_rejectsBadInputAtTheCall() {
    ProcessOptions.Builder b = ProcessOptions.builder();
    assertThatThrownBy(() -> b.jvmOptions("Xmx64m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Xmx64m")
        .hasMessageContaining("'-'");
    assertThatThrownBy(() -> b.systemProperty("a=b", "c"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.environment("", "c")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.startTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.preload("com.example.Task", "com/example/Other"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("com/example/Other");
    assertThatThrownBy(() -> b.preload("com..Task")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.preload("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.preload(new String[] {"a.b", null}))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.preload(new String[1001]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1001");
    // A rejected call leaves the earlier list in place.
    assertThat(b.preload("a.B$C").preload().build().preload()).isEmpty();
    assertThat(b.preload("a.B$C", "D").build().preload()).containsExactly("a.B$C", "D");
  }

  @Test
  void toBuilder_roundTrips() {
    ProcessOptions o =
        ProcessOptions.builder()
            .jvmOptions("-Xmx64m")
            .systemProperty("k", "v")
            .environment("E", "1")
            .stdout(Output.discard())
            .preload("a.B")
            .build();
    assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o);
    assertThat(o.toBuilder().preload().build()).isNotEqualTo(o);
    assertThat(o.toBuilder().jvmOptions("-Xss1m").build().jvmOptions())
        .containsExactly("-Xmx64m", "-Xss1m");
  }

  @Test
  void context_defaultsApply_andCloseKillsItsRunningProcesses() throws Exception {
    ProcessOptions defaults = ProcessOptions.builder().systemProperty("ctx", "yes").build();
    Path out = dir.resolve("ctx");
    String file = out.toString();
    MultiprocessingContext ctx = Multiprocessing.newLocalContext(defaults);
    try {
      assertThat(ctx.defaults()).isEqualTo(defaults);
      JvmProcess p =
          ctx.process(() -> JvmProcessTest.write(file, String.valueOf(System.getProperty("ctx"))));
      p.start().join();
      assertThat(Files.readString(out)).isEqualTo("yes");

      JvmProcess running = ctx.process(JvmProcessTest::sleepForever).start();
      ctx.close();
      assertThat(running.join(JvmProcessTest.CHILD_BOUND)).isTrue();
      assertThat(running.exitCode()).hasValue(-9);
    } finally {
      ctx.close();
    }
  }

  @Test
  void defaultContext_closeDoesNothing() throws Exception {
    JvmProcess running = Multiprocessing.local().process(JvmProcessTest::sleepForever).start();
    Multiprocessing.local().close();
    assertThat(running.isAlive()).isTrue();
    running.kill();
    running.join();
  }

  @Test
  void cpuCount_isPositive() {
    assertThat(Multiprocessing.cpuCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }
}
