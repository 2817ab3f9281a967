package org.multiprocessing4j.internal.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serial;
import java.io.Serializable;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.multiprocessing4j.TaskCallable;
import org.multiprocessing4j.UnserializableValueException;

/**
 * Which form each kind of task takes, and that decoding gives back a task that behaves as the
 * submitted one. PoolTaskFormTest runs the same kinds across real workers.
 */
class TaskCodecTest {

  private final TaskCodec.Decoder decoder = new TaskCodec.Decoder(getClass().getClassLoader());

  private static int form(byte[] bytes) {
    return bytes[0] & ~TaskCodec.STATELESS_FLAG;
  }

  private static boolean stateless(byte[] bytes) {
    return (bytes[0] & TaskCodec.STATELESS_FLAG) != 0;
  }

  private Object call(byte[] bytes) throws Exception {
    return ((TaskCallable<?>) decoder.decode(bytes)).call();
  }

  static TaskCallable<String> capturing(int i, String s, byte[] b) {
    return () -> i + s + b.length;
  }

  @Test
  void encode_lambdaCapturingSimpleValues_isLambdaFormAndDecodesToAnEqualTask() throws Exception {
    byte[] one = TaskCodec.encode(capturing(1, "a", new byte[2]), "t");
    byte[] two = TaskCodec.encode(capturing(7, "bc", new byte[0]), "t");
    assertThat(form(one)).isEqualTo(TaskCodec.LAMBDA);
    assertThat(stateless(one)).isFalse();
    assertThat(call(one)).isEqualTo("1a2");
    assertThat(call(two)).isEqualTo("7bc0"); // the second of a shape: names parsed before
  }

  @Test
  void encode_lambdaCapturingNothing_isEncodedOnceAndDecodedOnce() throws Exception {
    TaskCallable<Integer> task = () -> 42;
    byte[] first = TaskCodec.encode(task, "t");
    byte[] again = TaskCodec.encode(task, "t");
    assertThat(again).isSameAs(first);
    assertThat(stateless(first)).isTrue();
    assertThat(decoder.decode(first)).isSameAs(decoder.decode(again.clone()));
    assertThat(call(first)).isEqualTo(42);
  }

  record Box(int v) implements Serializable {}

  @Test
  void encode_lambdaCapturingARecord_isJavaSerialization() throws Exception {
    Box box = new Box(5);
    TaskCallable<Integer> task = () -> box.v() + 1;
    byte[] bytes = TaskCodec.encode(task, "t");
    assertThat(form(bytes)).isEqualTo(TaskCodec.JAVA);
    assertThat(call(bytes)).isEqualTo(6);
  }

  /** A task with state: each decoding must give a fresh instance. */
  static final class Counter implements TaskCallable<Integer> {
    @Serial private static final long serialVersionUID = 1L;
    private int n;

    @Override
    public Integer call() {
      return ++n;
    }
  }

  @Test
  void encode_statefulTask_isJavaSerializationAndNeverShared() throws Exception {
    byte[] bytes = TaskCodec.encode(new Counter(), "t");
    assertThat(form(bytes)).isEqualTo(TaskCodec.JAVA);
    assertThat(stateless(bytes)).isFalse();
    assertThat(call(bytes)).isEqualTo(1);
    assertThat(call(bytes)).isEqualTo(1);
  }

  @Test
  void encode_lambdaCapturingAnUnserializableValue_throwsNamingIt() {
    Object lock = new Object();
    TaskCallable<Integer> task = () -> lock.hashCode();
    assertThatThrownBy(() -> TaskCodec.encode(task, "the task"))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("the task cannot be sent")
        .hasMessageContaining("java.lang.Object");
  }

  @Test
  void decode_corruptForm_throwsIoException() {
    assertThatThrownBy(() -> decoder.decode(new byte[] {99}))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("corrupt task form");
  }

  @Test
  void encode_lambdaCapturingNulls_keepsThem() throws Exception {
    String none = null;
    List<String> unused = List.of();
    TaskCallable<String> task = () -> String.valueOf(none) + unused.size();
    byte[] bytes = TaskCodec.encode(task, "t");
    assertThat(form(bytes)).isEqualTo(TaskCodec.JAVA); // a List is not a simple value
    TaskCallable<String> simple = () -> String.valueOf(none);
    byte[] lambda = TaskCodec.encode(simple, "t");
    assertThat(form(lambda)).isEqualTo(TaskCodec.LAMBDA);
    assertThat(call(lambda)).isEqualTo("null");
    assertThat(call(bytes)).isEqualTo("null0");
  }
}
