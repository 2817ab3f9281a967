package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.InvalidObjectException;
import java.io.ObjectOutputStream;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.TaskCallable;

/** What a worker node hands its local pool, run in this JVM as a worker process would run it. */
class RemoteTaskTest {

  private static final Settings SETTINGS =
      new Settings(
          "amqp://guest:guest@127.0.0.1:1/%2F",
          null, null, false, new byte[32], "mp4j-test", 100, false, false, List.of(), 60_000L, 5);

  private static byte[] userTask(TaskCallable<?> task) {
    return new Codec(List.of(RemoteTask.SERIALIZED_LAMBDA)).encode(task).bytes();
  }

  private static byte[] javaSerialized(Object o) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(o);
    }
    return b.toByteArray();
  }

  @Test
  void task_nodeSettingsAndUserTask_runsItAndReturnsTheBrokerEncodingTagFirst() throws Exception {
    byte[] out = RemoteTask.task(RemoteTask.settingsForm(SETTINGS), userTask(() -> "hi")).call();

    assertThat(out[0]).isEqualTo((byte) Codec.STRING);
    assertThat(new String(out, 1, out.length - 1, StandardCharsets.UTF_8)).isEqualTo("hi");
  }

  /**
   * The local pool sends a task without an object stream only if every captured value is of its
   * simple types: the node's task captures two byte arrays and nothing else.
   */
  @Test
  void task_capturesOnlyTheTwoByteArrays() throws Exception {
    byte[] form = RemoteTask.settingsForm(SETTINGS);
    byte[] bytes = userTask(() -> "hi");
    TaskCallable<byte[]> t = RemoteTask.task(form, bytes);
    Method writeReplace = t.getClass().getDeclaredMethod("writeReplace");
    writeReplace.setAccessible(true);

    SerializedLambda l = (SerializedLambda) writeReplace.invoke(t);

    assertThat(l.getCapturedArgCount()).isEqualTo(2);
    assertThat(l.getCapturedArg(0)).isSameAs(form);
    assertThat(l.getCapturedArg(1)).isSameAs(bytes);
  }

  @Test
  void task_settingsFormHoldingAClassOffTheList_isRefusedBeforeTheTaskIsRead() throws Exception {
    byte[] form = javaSerialized(new AtomicInteger(7));

    assertThatThrownBy(() -> RemoteTask.task(form, userTask(() -> "hi")).call())
        .isInstanceOf(InvalidClassException.class);
  }

  @Test
  void task_settingsFormOfAnotherType_throws() throws Exception {
    byte[] form = javaSerialized("not settings");

    assertThatThrownBy(() -> RemoteTask.task(form, userTask(() -> "hi")).call())
        .isInstanceOf(InvalidObjectException.class)
        .hasMessageContaining("not a Settings record");
  }

  @Test
  void task_truncatedSettingsForm_throws() {
    byte[] form = RemoteTask.settingsForm(SETTINGS);
    byte[] truncated = Arrays.copyOf(form, form.length / 2);

    assertThatThrownBy(() -> RemoteTask.task(truncated, userTask(() -> "hi")).call())
        .isInstanceOf(IOException.class);
  }
}
