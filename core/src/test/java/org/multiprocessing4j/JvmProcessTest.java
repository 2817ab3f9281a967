package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** JvmProcess across real child JVMs: targets, join, exit codes, names, pids, state errors. */
@ExtendWith(ChildCleanup.class)
class JvmProcessTest {

  /** Generous bound for a child JVM to start and do a little work on a loaded 2-core machine. */
  static final Duration CHILD_BOUND = Duration.ofSeconds(30);

  @TempDir Path dir;

  static void write(String file, String text) throws IOException {
    Files.writeString(Path.of(file), text, StandardCharsets.UTF_8);
  }

  static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  static void sleepForever() throws InterruptedException {
    Thread.sleep(Long.MAX_VALUE);
  }

  @Test
  void start_lambdaTarget_runsInAnotherJvm() throws Exception {
    String out = dir.resolve("pid").toString();
    JvmProcess p = new JvmProcess(() -> write(out, Long.toString(ProcessHandle.current().pid())));
    p.start();
    p.join();
    assertThat(p.exitCode()).hasValue(0);
    long childPid = Long.parseLong(read(Path.of(out)));
    assertThat(childPid).isEqualTo(p.pid()).isNotEqualTo(ProcessHandle.current().pid());
  }

  @Test
  void start_methodReferenceWithArgument_passesArgument() throws Exception {
    Path out = dir.resolve("arg");
    JvmProcess p = new JvmProcess(JvmProcessTest::write, out.toString(), "hello from the child");
    p.start().join();
    assertThat(read(out)).isEqualTo("hello from the child");
  }

  static void readStandardInput() throws IOException {
    System.exit(System.in.read() == -1 ? 0 : 3);
  }

  /**
   * As Python's os.devnull: the child's fd 0 is the control channel, which the target never sees.
   */
  @Test
  void start_targetReadsSystemIn_endOfStreamAtOnce() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::readStandardInput);
    p.start();
    assertThat(p.join(CHILD_BOUND)).isTrue();
    assertThat(p.exitCode()).hasValue(0);
  }

  /** A subclass whose field must arrive in the child. */
  static final class Writer extends JvmProcess {
    private final String file;
    private final String text;

    Writer(String file, String text) {
      this.file = file;
      this.text = text;
    }

    @Override
    public void run() throws IOException {
      write(file, text + " as " + JvmProcess.current().name());
    }
  }

  @Test
  void subclass_fieldsTravelToChild() throws Exception {
    Path out = dir.resolve("sub");
    Writer w = new Writer(out.toString(), "fields arrived");
    w.setName("writer");
    w.start().join();
    assertThat(w.exitCode()).hasValue(0);
    assertThat(read(out)).isEqualTo("fields arrived as writer");
  }

  @Test
  void start_returnsWithoutWaitingForTarget() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever);
    p.start();
    assertThat(p.isAlive()).isTrue();
    assertThat(p.exitCode()).isEmpty();
    p.kill();
    p.join();
  }

  @Test
  void join_timeoutElapsed_returnsFalseAndChildStillRuns() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever).start();
    assertThat(p.join(Duration.ofMillis(200))).isFalse();
    assertThat(p.isAlive()).isTrue();
    p.kill();
    assertThat(p.join(CHILD_BOUND)).isTrue();
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void kill_exitCodeIsMinus9() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever).start();
    p.kill();
    p.join();
    assertThat(p.exitCode()).hasValue(-9);
  }

  @Test
  void terminate_exitCodeIsMinus15() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever).start();
    p.terminate();
    p.join();
    assertThat(p.exitCode()).hasValue(-15);
  }

  @Test
  void systemExit_exitCodeIsTheStatus() throws Exception {
    JvmProcess p = new JvmProcess(() -> System.exit(7)).start();
    p.join();
    assertThat(p.exitCode()).hasValue(7);
  }

  @Test
  void systemExitWithSignalLikeStatus_isNotMistakenForASignal() throws Exception {
    JvmProcess p = new JvmProcess(() -> System.exit(137)).start();
    p.join();
    assertThat(p.exitCode()).hasValue(137);
  }

  static void fail(String message) {
    throw new IllegalStateException(message, new ArithmeticException("root cause"));
  }

  @Test
  void uncaughtException_exitCode1_failureReadableInParent() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::fail, "boom");
    p.setOptions(ProcessOptions.builder().stderr(Output.capture()).build());
    p.start().join();
    assertThat(p.exitCode()).hasValue(1);
    RemoteProcessException e = p.failure().orElseThrow();
    assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
    assertThat(e.remoteMessage()).isEqualTo("boom");
    assertThat(e.isRemote(RuntimeException.class)).isTrue();
    assertThat(e.getStackTrace()).anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("fail"));
    assertThat(e.getCause()).isInstanceOf(RemoteProcessException.class);
    assertThat(
            ((RemoteProcessException) java.util.Objects.requireNonNull(e.getCause()))
                .remoteClassName())
        .isEqualTo("java.lang.ArithmeticException");
    assertThat(p.capturedStderr())
        .contains("Process " + p.name())
        .contains("java.lang.IllegalStateException: boom");
  }

  @Test
  void exitCode_normalEnd_noFailure() throws Exception {
    JvmProcess p = new JvmProcess(() -> {}).start();
    p.join();
    assertThat(p.exitCode()).hasValue(0);
    assertThat(p.failure()).isEmpty();
  }

  @Test
  void pid_readableAfterEndAndClose() throws Exception {
    JvmProcess p = new JvmProcess(() -> {}).start();
    long pid = p.pid();
    p.join();
    p.close();
    assertThat(p.pid()).isEqualTo(pid);
    assertThat(p.exitCode()).hasValue(0);
    assertThatThrownBy(p::isAlive).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void name_defaultsLikePython_andIsSettable() {
    JvmProcess a = new JvmProcess(() -> {});
    JvmProcess b = new JvmProcess(() -> {});
    assertThat(a.name()).matches("JvmProcess-\\d+");
    int na = Integer.parseInt(a.name().substring("JvmProcess-".length()));
    assertThat(b.name()).isEqualTo("JvmProcess-" + (na + 1));
    assertThat(a.setName("worker").name()).isEqualTo("worker");
    assertThatThrownBy(() -> a.setName(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stateErrors_areIllegalStateExceptions() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever);
    assertThatThrownBy(p::join)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("start()");
    assertThatThrownBy(p::pid).isInstanceOf(IllegalStateException.class);
    p.start();
    assertThatThrownBy(p::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
    assertThatThrownBy(() -> p.setDaemon(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
    assertThatThrownBy(p::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("still running");
    p.kill();
    p.join();
    p.close();
    assertThatThrownBy(p::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void start_unserializableCapture_failsNamingClassAndPath() {
    Thread notSerializable = new Thread(() -> {});
    JvmProcess p = new JvmProcess(() -> notSerializable.getName());
    assertThatThrownBy(p::start)
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.Thread")
        .hasMessageContaining("captured arg");
    assertThat(p.exitCode()).isEmpty();
    assertThatThrownBy(p::pid).isInstanceOf(IllegalStateException.class);
  }

  /** A subclass with a field that cannot travel. */
  static final class Holder extends JvmProcess {
    @SuppressWarnings("unused")
    private final Object lock = new Object();
  }

  @Test
  void start_unserializableSubclassField_namesTheField() {
    assertThatThrownBy(() -> new Holder().start())
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("Holder.lock")
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void start_badJvmOption_failsWithChildsOwnErrorText() {
    JvmProcess p = new JvmProcess(() -> {});
    p.setOptions(ProcessOptions.builder().jvmOptions("-XX:+NoSuchOptionForMp4jTest").build());
    assertThatThrownBy(p::start)
        .isInstanceOf(ProcessStartException.class)
        .hasMessageContaining("NoSuchOptionForMp4jTest")
        .satisfies(
            e -> assertThat(((ProcessStartException) e).childOutput()).contains("Unrecognized"));
  }

  @Test
  void start_targetClassMissingInChild_failsWithClassNotFound() throws Exception {
    ProcessTarget foreign = ForeignClass.compileAndLoad(dir);
    JvmProcess p = new JvmProcess(foreign);
    assertThatThrownBy(p::start)
        .isInstanceOf(ProcessStartException.class)
        .hasMessageContaining("ClassNotFoundException")
        .hasMessageContaining(ForeignClass.NAME);
  }

  @Test
  void join_interrupted_throwsAndChildKeepsRunning() throws Exception {
    JvmProcess p = new JvmProcess(JvmProcessTest::sleepForever).start();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread joiner =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    p.join();
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    await().atMost(CHILD_BOUND).until(() -> joiner.getState() == Thread.State.WAITING);
    joiner.interrupt();
    joiner.join(CHILD_BOUND.toMillis());
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(p.isAlive()).isTrue();
    p.kill();
    p.join();
  }

  static void describeSelf(String file) throws IOException {
    JvmProcess self = JvmProcess.current();
    JvmProcess parent = JvmProcess.parent().orElseThrow();
    write(
        file,
        String.join(
            ",",
            self.name(),
            Long.toString(self.pid()),
            Boolean.toString(self.isDaemon()),
            parent.name(),
            Long.toString(parent.pid()),
            Boolean.toString(parent.isAlive())));
  }

  @Test
  void current_andParent_inChild() throws Exception {
    Path out = dir.resolve("self");
    JvmProcess p = new JvmProcess(JvmProcessTest::describeSelf, out.toString());
    p.setName("described").setDaemon(true).start().join();
    assertThat(p.exitCode()).hasValue(0);
    assertThat(read(out).split(","))
        .containsExactly(
            "described",
            Long.toString(p.pid()),
            "true",
            "MainProcess",
            Long.toString(ProcessHandle.current().pid()),
            "true");
  }

  @Test
  void current_inMainJvm_isMainProcess() {
    assertThat(JvmProcess.current().name()).isEqualTo("MainProcess");
    assertThat(JvmProcess.current().pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(JvmProcess.current().isDaemon()).isFalse();
    assertThat(JvmProcess.parent()).isEqualTo(Optional.empty());
    assertThatThrownBy(() -> JvmProcess.current().join()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void activeChildren_listsRunningOnly() throws Exception {
    JvmProcess running = new JvmProcess(JvmProcessTest::sleepForever).start();
    JvmProcess done = new JvmProcess(() -> {}).start();
    done.join();
    assertThat(JvmProcess.activeChildren()).contains(running).doesNotContain(done);
    running.kill();
    running.join();
    assertThat(JvmProcess.activeChildren()).doesNotContain(running);
  }

  @Test
  void output_capture_readsChildStdout() throws Exception {
    JvmProcess p = new JvmProcess(() -> System.out.println("hello out there"));
    p.setOptions(ProcessOptions.builder().stdout(Output.capture()).build());
    p.start().join();
    assertThat(p.capturedStdout()).isEqualTo("hello out there" + System.lineSeparator());
  }

  @Test
  void output_file_writesChildStdout() throws Exception {
    Path log = dir.resolve("child.log");
    JvmProcess p = new JvmProcess(() -> System.out.print("to a file"));
    p.setOptions(ProcessOptions.builder().stdout(Output.file(log)).build());
    p.start().join();
    assertThat(read(log)).isEqualTo("to a file");
  }

  @Test
  void options_systemPropertyEnvironmentAndHeap_reachChild() throws Exception {
    Path out = dir.resolve("opts");
    String file = out.toString();
    JvmProcess p =
        new JvmProcess(
            () ->
                write(
                    file,
                    System.getProperty("mp4j.test")
                        + ","
                        + System.getenv("MP4J_TEST")
                        + ","
                        + (Runtime.getRuntime().maxMemory() <= 64L * 1024 * 1024)));
    p.setOptions(
        ProcessOptions.builder()
            .systemProperty("mp4j.test", "prop")
            .environment("MP4J_TEST", "env")
            .jvmOptions("-Xmx48m")
            .build());
    p.start().join();
    assertThat(read(out)).isEqualTo("prop,env,true");
  }
}
