package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** ProcessEvent across real child JVMs. */
@ExtendWith(ShmCleanup.class)
class ProcessEventTest {

  static final Duration CHILD_BOUND = Duration.ofSeconds(60);
  static final Duration SHORT = Duration.ofMillis(200);

  @TempDir Path dir;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void close() {
    ctx.close();
  }

  @Test
  void setAndClear_changeIsSet() throws Exception {
    ProcessEvent e = ctx.event();
    assertThat(e.isSet()).isFalse();
    assertThat(e.await(Duration.ZERO)).isFalse();
    e.set();
    e.set();
    assertThat(e.isSet()).isTrue();
    assertThat(e.await(Duration.ZERO)).isTrue();
    e.await(); // returns at once
    e.clear();
    assertThat(e.isSet()).isFalse();
    assertThat(e.toString()).matches("ProcessEvent#\\d+\\[cleared]");
  }

  @Test
  void await_notSet_timesOut() throws Exception {
    ProcessEvent e = ctx.event();
    long start = System.nanoTime();
    assertThat(e.await(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
  }

  @Test
  void await_setByChild_returnsTrue() throws Exception {
    ProcessEvent e = ctx.event();
    JvmProcess child = new JvmProcess(e::set).start();
    assertThat(e.await(CHILD_BOUND)).isTrue();
    assertThat(child.join(CHILD_BOUND)).isTrue();
  }

  static void awaitThenWrite(ProcessEvent e, String file) throws Exception {
    e.await();
    Files.writeString(Path.of(file), "woken");
  }

  @Test
  void set_threeChildrenWaiting_wakesAll() throws Exception {
    ProcessEvent e = ctx.event();
    List<JvmProcess> children = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      children.add(
          new JvmProcess(ProcessEventTest::awaitThenWrite, e, dir.resolve("w" + i).toString())
              .start());
    }
    assertThat(children.getFirst().join(SHORT)).isFalse(); // waiting
    e.set();
    for (int i = 0; i < 3; i++) {
      assertThat(children.get(i).join(CHILD_BOUND)).isTrue();
      assertThat(children.get(i).exitCode()).hasValue(0);
      assertThat(dir.resolve("w" + i)).hasContent("woken");
    }
  }

  @Test
  void await_interrupted_throws() throws Exception {
    ProcessEvent e = ctx.event();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    e.await();
                  } catch (InterruptedException x) {
                    thrown.set(x);
                  }
                });
    assertThat(t.join(SHORT)).isFalse();
    t.interrupt();
    assertThat(t.join(CHILD_BOUND)).isTrue();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
  }
}
