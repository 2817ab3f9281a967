package org.multiprocessing4j.rabbitmq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The pool's message payloads: written into a buffer and read in place, in the same form as
 * DataOutputStream's (so nodes and submitters of the previous form read each other), with any
 * string (a pool name is the user's), and a truncated payload is Malformed, never another error.
 */
class PoolMessagesTest {

  private static final String[] STRINGS = {
    "", "abc:1", "é", "€uro", "nul\u0000inside", "\uD83D\uDE00 emoji", "mp4j.pool.日本.reply.x"
  };

  @Test
  void task_roundTripsForAnyString_andIsWrittenAsDataOutputStreamWritesIt() throws Exception {
    for (String s : STRINGS) {
      byte[] callable = {'L', 1, 2, 3};
      PoolMessages.Task t = new PoolMessages.Task(s + ":7", "reply." + s, 42L, callable);
      byte[] bytes = PoolMessages.write(t);
      assertThat(bytes).hasSize(PoolMessages.length(t));

      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(expected)) {
        out.writeUTF(t.id());
        out.writeUTF(t.replyTo());
        out.writeLong(42L);
        out.writeInt(callable.length);
        out.write(callable);
      }
      assertThat(bytes).as(s).isEqualTo(expected.toByteArray());

      PoolMessages.Task back = PoolMessages.readTask(ByteBuffer.wrap(bytes));
      assertThat(back.id()).isEqualTo(t.id());
      assertThat(back.replyTo()).isEqualTo(t.replyTo());
      assertThat(back.timeoutNanos()).isEqualTo(42L);
      assertThat(back.callable()).isEqualTo(callable);
    }
  }

  @Test
  void result_writtenFromPartOfAnArray_readsBackThatPart() throws Exception {
    byte[] answer = {9, 10, 11, 12, 13};
    ByteBuffer b = ByteBuffer.allocate(PoolMessages.resultLength("id€", 3));
    PoolMessages.putResult(b, "id€", false, Codec.BYTES, answer, 1, 3);
    assertThat(b.remaining()).isZero();

    PoolMessages.Result r = PoolMessages.readResult(ByteBuffer.wrap(b.array()));
    assertThat(r.id()).isEqualTo("id€");
    assertThat(r.failed()).isFalse();
    assertThat(r.tag()).isEqualTo(Codec.BYTES);
    assertThat(r.bytes()).containsExactly(10, 11, 12);

    PoolMessages.Cancel c =
        PoolMessages.readCancel(PoolMessages.write(new PoolMessages.Cancel("x", true)));
    assertThat(c).isEqualTo(new PoolMessages.Cancel("x", true));
  }

  @Test
  void truncatedOrLying_isMalformed() {
    byte[] task = PoolMessages.write(new PoolMessages.Task("id", "reply", -1, new byte[100]));
    for (int n = 0; n < task.length; n++) {
      byte[] cut = Arrays.copyOf(task, n);
      assertThatThrownBy(() -> PoolMessages.readTask(cut))
          .as("%d bytes", n)
          .isInstanceOf(PoolMessages.Malformed.class);
    }
    byte[] lying = task.clone();
    lying[0] = 0x7F; // a string length far beyond the payload
    assertThatThrownBy(() -> PoolMessages.readTask(lying))
        .isInstanceOf(PoolMessages.Malformed.class);
  }

  @Test
  void aStringTooLongForTheForm_failsClearly() {
    String huge = "x".repeat(70_000);
    assertThatThrownBy(() -> PoolMessages.write(new PoolMessages.Task(huge, "r", -1, new byte[0])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65535");
  }
}
