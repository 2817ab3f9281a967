package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pipe and Connection across real child JVMs: both directions, one-way, bytes, poll, EOF. */
@ExtendWith(ShmCleanup.class)
class PipeTest {

  static final Duration CHILD_BOUND = Duration.ofMinutes(2);

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void closeContext() {
    ctx.close();
  }

  static void joinOk(JvmProcess p) throws InterruptedException {
    assertThat(p.join(CHILD_BOUND)).as("%s ended", p.name()).isTrue();
    assertThat(p.exitCode()).as("%s exit code", p.name()).hasValue(0);
  }

  @Test
  void duplex_childEchoes_valuesTravelBothWaysInOrder() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection child = pipe.second();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  for (Object o = child.recv(); !"bye".equals(o); o = child.recv()) {
                    child.send("echo " + o);
                  }
                })
            .start();
    Connection parent = pipe.first();
    for (int i = 0; i < 100; i++) {
      parent.send(i);
    }
    for (int i = 0; i < 100; i++) {
      assertThat(parent.recv()).isEqualTo("echo " + i);
    }
    parent.send("bye");
    joinOk(p);
    assertThat(parent.readable()).isTrue();
    assertThat(parent.writable()).isTrue();
  }

  @Test
  void oneWay_firstOnlyReceives_secondOnlySends() throws Exception {
    Pipe pipe = ctx.pipe(false);
    assertThat(pipe.first().readable()).isTrue();
    assertThat(pipe.first().writable()).isFalse();
    assertThat(pipe.second().readable()).isFalse();
    assertThat(pipe.second().writable()).isTrue();
    assertThatThrownBy(() -> pipe.first().send("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("can only receive");
    assertThatThrownBy(() -> pipe.second().recv())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("can only send");
    Connection w = pipe.second();
    JvmProcess p = new JvmProcess(() -> w.send("one way")).start();
    assertThat(pipe.first().recv()).isEqualTo("one way");
    joinOk(p);
  }

  @Test
  void recv_childSentThenExited_returnsWhatWasSentThenEof() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection w = pipe.second();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  w.send("a");
                  w.send(null);
                  w.send("c");
                })
            .start();
    joinOk(p);
    Connection r = pipe.first();
    assertThat(r.recv()).isEqualTo("a");
    assertThat(r.recv()).isNull();
    assertThat(r.recv()).isEqualTo("c");
    assertThat(r.poll()).as("EOF: a recv would not block").isTrue();
    assertThatThrownBy(r::recv).isInstanceOf(EOFException.class);
  }

  @Test
  void recv_childKilledWhileHoldingTheOtherEnd_throwsEofInsteadOfBlocking() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection other = pipe.second();
    ProcessQueue<String> ready = ctx.queue();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  ready.put("holding " + other);
                  Thread.sleep(Long.MAX_VALUE);
                })
            .start();
    assertThat(ready.get(CHILD_BOUND)).startsWith("holding");
    Connection r = pipe.first();
    assertThat(r.poll(Duration.ofMillis(200))).as("the child holds the other end").isFalse();
    p.kill();
    p.join(CHILD_BOUND);
    long start = System.nanoTime();
    assertThatThrownBy(r::recv).isInstanceOf(EOFException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CHILD_BOUND);
    assertThatThrownBy(() -> r.send("anyone?"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("broken pipe");
  }

  /**
   * Python's pattern: start the child with one end, close that end in the parent at once, then
   * recv. The child JVM attaches long after the close; the parent must not see end of stream before
   * the child sent, and must see it once the child has ended.
   */
  @Test
  void parentClosesTheChildsEndRightAfterStart_recvGetsTheChildsValue_thenEof() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection childEnd = pipe.second();
    JvmProcess p = new JvmProcess(() -> childEnd.send("from the child")).start();
    childEnd.close(); // the parent's copy only: the child holds its own
    assertThat(pipe.first().recv()).isEqualTo("from the child");
    joinOk(p);
    assertThatThrownBy(pipe.first()::recv).isInstanceOf(EOFException.class);
  }

  /** Sends, closes its end, and lives on: the other end must see end of stream now, not at exit. */
  static void sendCloseAndLinger(Connection c) throws Exception {
    c.send("last words");
    c.close();
    Thread.sleep(30_000);
  }

  @Test
  void childClosesItsEndAndLivesOn_recvSeesEofBeforeTheChildExits() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection childEnd = pipe.second();
    JvmProcess p = new JvmProcess(PipeTest::sendCloseAndLinger, childEnd).start();
    try {
      childEnd.close(); // the parent's copy, as in Python
      assertThat(pipe.first().recv()).isEqualTo("last words");
      assertThatThrownBy(pipe.first()::recv).isInstanceOf(EOFException.class);
      assertThat(p.isAlive()).as("end of stream came from the close, not from the exit").isTrue();
    } finally {
      p.kill();
      p.join();
    }
  }

  @Test
  void close_otherEndDrainsThenSeesEof() throws Exception {
    Pipe pipe = ctx.pipe();
    pipe.second().send(1);
    pipe.second().close();
    pipe.second().close(); // idempotent
    assertThat(pipe.second().closed()).isTrue();
    assertThatThrownBy(() -> pipe.second().send(2)).isInstanceOf(IllegalStateException.class);
    assertThat(pipe.first().recv()).isEqualTo(1);
    assertThatThrownBy(pipe.first()::recv).isInstanceOf(EOFException.class);
  }

  @Test
  void bytes_withOffsetAndLength_andIntoABuffer() throws Exception {
    Pipe pipe = ctx.pipe();
    byte[] data = {0, 1, 2, 3, 4, 5, 6, 7};
    pipe.first().sendBytes(data);
    pipe.first().sendBytes(data, 2, 3);
    pipe.first().sendBytes(data, 0, 8);
    Connection r = pipe.second();
    assertThat(r.recvBytes()).isEqualTo(data);
    byte[] buffer = new byte[10];
    assertThat(r.recvBytesInto(buffer, 4)).isEqualTo(3);
    assertThat(Arrays.copyOfRange(buffer, 4, 7)).containsExactly(2, 3, 4);
    assertThatThrownBy(() -> r.recvBytesInto(new byte[4], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("buffer too short");
    assertThat(r.recvBytes()).as("the message stayed").isEqualTo(data);
    assertThatThrownBy(() -> pipe.first().sendBytes(data, 6, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void recvBytes_nextMessageIsAnObject_throwsAndLeavesIt() throws Exception {
    Pipe pipe = ctx.pipe();
    pipe.first().send("text");
    assertThatThrownBy(pipe.second()::recvBytes)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not a byte[]");
    assertThat(pipe.second().recv()).isEqualTo("text");
  }

  @Test
  void poll_waitsForAChildsSend() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection w = pipe.second();
    assertThat(pipe.first().poll()).isFalse();
    assertThat(pipe.first().poll(Duration.ZERO)).isFalse();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  Thread.sleep(300);
                  w.send("late");
                  w.recv(); // wait for the parent, so that the end is not gone yet
                })
            .start();
    assertThat(pipe.first().poll(CHILD_BOUND)).isTrue();
    assertThat(pipe.first().recv()).isEqualTo("late");
    pipe.first().send("done");
    joinOk(p);
  }

  @Test
  void send_largeValuesThroughTheSmallBuffer_arriveIntact() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection w = pipe.second();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  for (int size : new int[] {100_000, 1 << 20, 10 << 20}) {
                    byte[] b = new byte[size];
                    Arrays.fill(b, (byte) size);
                    w.sendBytes(b);
                  }
                  w.recv();
                })
            .start();
    for (int size : new int[] {100_000, 1 << 20, 10 << 20}) {
      byte[] b = pipe.first().recvBytes();
      assertThat(b).hasSize(size);
      byte[] expected = new byte[size];
      Arrays.fill(expected, (byte) size);
      assertThat(b).isEqualTo(expected);
    }
    pipe.first().send("done");
    joinOk(p);
  }

  @Test
  void connection_sentThroughAQueue_worksInTheChild() throws Exception {
    Pipe pipe = ctx.pipe();
    ProcessQueue<Connection> handOver = ctx.queue();
    JvmProcess p =
        new JvmProcess(
                () -> {
                  Connection c = handOver.get();
                  c.send("via queue: " + c.recv());
                })
            .start();
    handOver.put(pipe.second());
    pipe.first().send("ping");
    assertThat(pipe.first().recv()).isEqualTo("via queue: ping");
    joinOk(p);
  }

  @Test
  void send_unencodableValue_throwsAndPipeStaysUsable() throws Exception {
    Pipe pipe = ctx.pipe();
    assertThatThrownBy(() -> pipe.first().send(new Object()))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.Object");
    pipe.first().send("ok");
    assertThat(pipe.second().recv()).isEqualTo("ok");
  }

  /** Copies a connection as a process receiving it would: a second handle of the same end. */
  static Connection secondHandle(Connection c) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (Connection) in.readObject();
    }
  }

  /**
   * A JVM holding two handles of one end that closes one still holds the end: another process using
   * and leaving the end meanwhile does not make the reader see end of stream before the second
   * handle's message (issue 3, pipe loose ends).
   */
  @Test
  void close_oneOfTwoHandlesInAChild_endStaysOpenForTheOther() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection end = pipe.second();
    ProcessQueue<String> oneClosed = ctx.queue();
    ProcessQueue<String> go = ctx.queue();
    JvmProcess holder =
        new JvmProcess(
                () -> {
                  Connection other = secondHandle(end);
                  end.send("from the first handle");
                  end.close();
                  oneClosed.put("closed");
                  go.get();
                  other.send("from the second handle");
                  other.close();
                })
            .start();
    assertThat(oneClosed.get(CHILD_BOUND)).isEqualTo("closed");
    // A second process uses the end and leaves it: with the holder recorded as gone (its first
    // handle closed), the end would then be taken for closed.
    JvmProcess passer =
        new JvmProcess(
                () -> {
                  end.send("from a passing process");
                  end.close();
                })
            .start();
    joinOk(passer);
    Connection reader = pipe.first();
    assertThat(reader.recv()).isEqualTo("from the first handle");
    assertThat(reader.recv()).isEqualTo("from a passing process");
    assertThat(reader.poll(Duration.ofMillis(300)))
        .as("no message and no end of stream: the holder's second handle is open")
        .isFalse();
    go.put("go");
    assertThat(reader.recv()).isEqualTo("from the second handle");
    joinOk(holder);
    assertThatThrownBy(reader::recv).isInstanceOf(EOFException.class);
  }

  @Test
  void close_oneOfTwoHandlesInThisJvm_theOtherStillSendsAndReceives() throws Exception {
    Pipe pipe = ctx.pipe();
    Connection copy = secondHandle(pipe.second());
    pipe.second().close();
    assertThat(copy.closed()).isFalse();
    copy.send("still open");
    assertThat(pipe.first().recv()).isEqualTo("still open");
    pipe.first().send("back");
    assertThat(copy.recv()).isEqualTo("back");
  }
}
