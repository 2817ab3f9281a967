package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
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
import org.multiprocessing4j.UndecodableValueException;

/** What a worker node hands its local pool, run in this JVM as a worker process would run it. */
class RemoteTaskTest {

  private static final Settings SETTINGS =
      new Settings(
          "amqp://guest:guest@127.0.0.1:1/%2F",
          null,
          null,
          false,
          false,
          new byte[32],
          "mp4j-test",
          100,
          false,
          false,
          List.of(),
          60_000L,
          5);

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

  /** Returns a task in the lambda form, failing the test if it cannot go in that form. */
  private static byte[] lambdaForm(TaskCallable<?> task) {
    byte[] form = LambdaForm.encode(task);
    assertThat(form).isNotNull();
    return java.util.Objects.requireNonNull(form);
  }

  private static Codec workerCodec() {
    return new Codec(List.of(RemoteTask.SERIALIZED_LAMBDA));
  }

  @Test
  void lambdaForm_lambdaOfSimpleValues_runsInTheWorkerWithoutAnObjectStream() throws Exception {
    byte[] payload = new byte[1024];
    payload[7] = 42;
    byte[] form = lambdaForm((TaskCallable<byte[]>) () -> payload);

    assertThat(LambdaForm.isLambdaForm(form)).isTrue();
    byte[] out = RemoteTask.task(RemoteTask.settingsForm(SETTINGS), form).call();

    assertThat(out[0]).isEqualTo((byte) Codec.BYTES);
    assertThat(Arrays.copyOfRange(out, 1, out.length)).isEqualTo(payload);
  }

  @Test
  void lambdaForm_everySimpleTypeCaptured_comesBackEqual() throws Exception {
    String s = "é";
    int i = 7;
    long l = 1L << 40;
    double d = 0.5;
    boolean b = true;
    @org.jspecify.annotations.Nullable String nothing = null;
    byte[] form = lambdaForm((TaskCallable<String>) () -> s + i + l + d + b + nothing);

    Object task = LambdaForm.decode(form, workerCodec(), getClass().getClassLoader());

    assertThat(((TaskCallable<?>) task).call()).isEqualTo("é7" + (1L << 40) + "0.5truenull");
  }

  @Test
  void lambdaForm_notALambdaOrCapturingAnotherType_isLeftToJavaSerialization() {
    AtomicInteger counter = new AtomicInteger();

    assertThat(LambdaForm.encode((TaskCallable<Integer>) counter::get)).isNull();
    assertThat(LambdaForm.encode(new RemoteTask.Chunk(x -> x, List.of(1)))).isNull();
    assertThat(LambdaForm.encode((java.util.concurrent.Callable<String>) () -> "not serializable"))
        .isNull();
  }

  @Test
  void lambdaForm_capturingANumberWithoutACompactEncoding_isLeftToJavaSerialization() {
    float f = 1.5f;

    assertThat(LambdaForm.encode((TaskCallable<Float>) () -> f)).isNull();
  }

  @Test
  void lambdaForm_serializedLambdaNotOnTheAllowList_isRefused() {
    byte[] form = lambdaForm((TaskCallable<String>) () -> "hi");

    assertThatThrownBy(
            () -> LambdaForm.decode(form, new Codec(List.of()), getClass().getClassLoader()))
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining("java.lang.invoke.SerializedLambda is not on the allow-list");
  }

  @Test
  void lambdaForm_capturingClassNotOnTheAllowList_isRefusedBeforeItIsInitialized()
      throws Exception {
    byte[] form = handMade("java/util/concurrent/atomic/AtomicInteger", "lambda$x$0");

    assertThatThrownBy(() -> LambdaForm.decode(form, workerCodec(), getClass().getClassLoader()))
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining("java.util.concurrent.atomic.AtomicInteger is not on the allow-list");
  }

  @Test
  void lambdaForm_aLambdaTheCapturingClassDoesNotHave_isRefused() throws Exception {
    byte[] form = handMade(RemoteTaskTest.class.getName().replace('.', '/'), "lambda$none$0");

    assertThatThrownBy(() -> LambdaForm.decode(form, workerCodec(), getClass().getClassLoader()))
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining("Invalid lambda deserialization");
  }

  @Test
  void lambdaForm_missingClassOrTruncated_isRefused() throws Exception {
    byte[] missing = handMade("no/such/Capturer", "lambda$x$0");
    byte[] good = lambdaForm((TaskCallable<byte[]>) () -> new byte[] {1, 2, 3});
    byte[] truncated = Arrays.copyOf(good, good.length - 2);

    assertThatThrownBy(() -> LambdaForm.decode(missing, workerCodec(), getClass().getClassLoader()))
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining("no.such.Capturer is not on this process's class path");
    assertThatThrownBy(
            () -> LambdaForm.decode(truncated, workerCodec(), getClass().getClassLoader()))
        .isInstanceOf(UndecodableValueException.class);
  }

  /** A lambda form naming a capturing class and an implementation method, capturing nothing. */
  private static byte[] handMade(String capturing, String implMethod) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeByte(LambdaForm.MARK);
      out.writeUTF(capturing);
      out.writeUTF("org/multiprocessing4j/TaskCallable");
      out.writeUTF("call");
      out.writeUTF("()Ljava/lang/Object;");
      out.writeUTF(capturing);
      out.writeUTF(implMethod);
      out.writeUTF("()Ljava/lang/Object;");
      out.writeUTF("()Ljava/lang/Object;");
      out.writeInt(6); // REF_invokeStatic
      out.writeInt(0);
    }
    return b.toByteArray();
  }
}
