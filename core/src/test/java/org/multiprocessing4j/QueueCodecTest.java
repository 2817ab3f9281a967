package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.internal.codec.ValueCodec;

/**
 * The codec of queues: the built-in fast encoding of lists of simple values, and a user's {@link
 * Codec} that travels with its queue to other processes.
 */
@ExtendWith(ShmCleanup.class)
class QueueCodecTest {

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

  /** Not serializable: only a codec can carry it. */
  record Point(int x, int y) {}

  /** Encodes a point in 8 bytes; counts nothing, holds nothing. */
  static final class PointCodec implements Codec<Point> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public byte[] encode(Point p) {
      if (p.x() < 0) {
        throw new IllegalArgumentException("negative x: " + p.x());
      }
      return ByteBuffer.allocate(8).putInt(p.x()).putInt(p.y()).array();
    }

    @Override
    public Point decode(byte[] bytes) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      if (b.getInt(0) == 666) {
        throw new IllegalStateException("refusing point 666");
      }
      return new Point(b.getInt(), b.getInt());
    }
  }

  /** Holds a thread, so it cannot be serialized and cannot travel. */
  static final class UnserializableCodec implements Codec<String> {
    @Serial private static final long serialVersionUID = 1L;

    @SuppressWarnings({"serial", "unused"}) // the point of this codec
    private final Thread thread = Thread.currentThread();

    @Override
    public byte[] encode(String s) {
      return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Hands the item's own array to the queue: the queue must copy it. */
  static final class IdentityCodec implements Codec<byte[]> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public byte[] encode(byte[] item) {
      return item;
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes;
    }
  }

  record Tag(String name) implements Serializable {}

  // ------------------------------------------------------------------ built-in list encoding

  @Test
  void encode_listsOfSimpleValues_useTheListEncoding_othersSerialization() {
    assertThat(ValueCodec.encode(new ArrayList<>(List.of(1, "a")), "x").type())
        .isEqualTo(ValueCodec.LIST);
    assertThat(ValueCodec.encode(List.of(1L, 2.5, true, 'c', List.of("nested")), "x").type())
        .isEqualTo(ValueCodec.LIST);
    assertThat(ValueCodec.encode(List.of(new Tag("t")), "x").type())
        .isEqualTo(ValueCodec.SERIALIZED);
    assertThat(ValueCodec.encode(new CopyOnWriteArrayList<>(List.of(1)), "x").type())
        .isEqualTo(ValueCodec.SERIALIZED);
  }

  @Test
  void getInChild_listsOfSimpleValues_comeBackEqual_ofTheSameKind() throws Exception {
    ProcessQueue<Object> there = ctx.queue();
    ProcessQueue<Object> back = ctx.queue();
    ArrayList<Object> mixed = new ArrayList<>();
    mixed.add(null);
    mixed.addAll(List.of(1, 2L, 3.5, 4.5f, (short) 5, (byte) 6, 'z', true, "héllo"));
    mixed.add(new ArrayList<>(List.of("inner", 7)));
    List<Object> immutable = List.of("a", 1, List.of(2, 3));
    List<Object> withBytes = new ArrayList<>(List.of("bytes"));
    withBytes.add(new byte[] {1, 2, 3});
    List<Object> withRecord = List.of(new Tag("x"), 1); // serialization, still equal
    CopyOnWriteArrayList<Integer> linked = new CopyOnWriteArrayList<>(List.of(1, 2));
    List<Object> sent = List.of(mixed, immutable, withBytes, withRecord, linked, List.of());
    JvmProcess echo =
        new JvmProcess(
                () -> {
                  for (int i = 0; i < sent.size(); i++) {
                    Object item = there.get();
                    back.put(item);
                    back.put(item.getClass().getName());
                  }
                })
            .start();
    for (Object item : sent) {
      there.put(item);
    }
    for (Object item : sent) {
      Object got = back.get(CHILD_BOUND);
      String classInChild = (String) back.get(CHILD_BOUND);
      assertThat(classInChild).isEqualTo(item.getClass().getName());
      assertThat(got.getClass()).isEqualTo(item.getClass());
      if (item == withBytes) {
        List<?> l = (List<?>) got;
        assertThat(l.get(0)).isEqualTo("bytes");
        assertThat((byte[]) l.get(1)).containsExactly(1, 2, 3);
      } else {
        assertThat(got).isEqualTo(item);
      }
    }
    joinOk(echo);
  }

  @Test
  void get_immutableList_comesBackUnmodifiable() throws Exception {
    ProcessQueue<List<String>> q = ctx.queue();
    q.put(List.of("a", "b"));
    List<String> got = q.get();
    assertThat(got).containsExactly("a", "b");
    assertThatThrownBy(() -> got.add("c")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void put_listNestedTooDeep_fallsBackToSerialization_andArrives() throws Exception {
    ProcessQueue<Object> q = ctx.queue();
    List<Object> deep = new ArrayList<>(List.of("bottom"));
    for (int i = 0; i < 20; i++) {
      List<Object> outer = new ArrayList<>();
      outer.add(deep);
      deep = outer;
    }
    assertThat(ValueCodec.encode(deep, "x").type()).isEqualTo(ValueCodec.SERIALIZED);
    q.put(deep);
    assertThat(q.get()).isEqualTo(deep);
  }

  // ------------------------------------------------------------------ a user's codec

  @Test
  void customCodec_travelsWithTheQueueToAChild_whichDecodesAndEncodes() throws Exception {
    QueueOptions withCodec = QueueOptions.builder().codec(new PointCodec()).build();
    ProcessQueue<Point> there = ctx.queue(withCodec);
    JoinableQueue<Point> back = ctx.joinableQueue(withCodec);
    ProcessQueue<ProcessQueue<Point>> handles = ctx.queue();
    handles.put(back); // the second queue travels as an item, its codec with it
    JvmProcess child =
        new JvmProcess(
                () -> {
                  ProcessQueue<Point> reply = handles.get();
                  for (int i = 0; i < 3; i++) {
                    Point p = there.get();
                    reply.put(new Point(p.y(), p.x()));
                  }
                })
            .start();
    there.put(new Point(1, 2));
    there.put(new Point(3, 4));
    there.put(new Point(5, 6));
    assertThat(List.of(back.get(CHILD_BOUND), back.get(CHILD_BOUND), back.get(CHILD_BOUND)))
        .containsExactly(new Point(2, 1), new Point(4, 3), new Point(6, 5));
    joinOk(child);
  }

  @Test
  void pipeWithCodec_endTravelsToAChild_withItsCodec() throws Exception {
    Pipe pipe = ctx.pipe(true, new PointCodec());
    Connection childEnd = pipe.second();
    JvmProcess child =
        new JvmProcess(
                () -> {
                  Point p = (Point) Objects.requireNonNull(childEnd.recv());
                  childEnd.send(new Point(p.y(), p.x()));
                  childEnd.send(null); // never reaches the codec
                })
            .start();
    pipe.first().send(new Point(1, 2));
    assertThat(pipe.first().recv()).isEqualTo(new Point(2, 1));
    assertThat(pipe.first().recv()).isNull();
    joinOk(child);
    assertThatThrownBy(() -> pipe.first().send("not a point"))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void pipe_codecNotSerializable_throwsNamingIt() {
    assertThatThrownBy(() -> ctx.pipe(false, new UnserializableCodec()))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining(UnserializableCodec.class.getName());
  }

  @Test
  void customCodec_encodeThrows_putThrowsNamingTheClass_queueStaysUsable() throws Exception {
    ProcessQueue<Point> q = ctx.queue(QueueOptions.builder().codec(new PointCodec()).build());
    assertThatThrownBy(() -> q.put(new Point(-1, 0)))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining(Point.class.getName())
        .hasMessageContaining(PointCodec.class.getName())
        .hasMessageContaining("negative x")
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .satisfies(
            e ->
                assertThat(((UnserializableValueException) e).offendingClass())
                    .isEqualTo(Point.class.getName()));
    assertThat(q.empty()).isTrue();
    q.put(new Point(1, 1));
    assertThat(q.get()).isEqualTo(new Point(1, 1));
  }

  @Test
  void customCodec_decodeThrows_getThrowsUndecodable_nextItemArrives() throws Exception {
    ProcessQueue<Point> q = ctx.queue(QueueOptions.builder().codec(new PointCodec()).build());
    q.put(new Point(666, 0));
    q.put(new Point(7, 8));
    assertThatThrownBy(q::get)
        .isInstanceOf(UndecodableValueException.class)
        .hasMessageContaining(PointCodec.class.getName())
        .hasMessageContaining("refusing point 666");
    assertThat(q.get()).isEqualTo(new Point(7, 8));
  }

  @Test
  void customCodec_wrongItemType_putThrowsNamingTheClass() {
    @SuppressWarnings("unchecked") // the mistake under test: a codec for another type
    ProcessQueue<Object> q =
        (ProcessQueue<Object>)
            (ProcessQueue<?>) ctx.queue(QueueOptions.builder().codec(new PointCodec()).build());
    assertThatThrownBy(() -> q.put("not a point"))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.String")
        .hasCauseInstanceOf(ClassCastException.class);
  }

  @Test
  void codec_notSerializable_builderThrowsNamingIt() {
    assertThatThrownBy(() -> QueueOptions.builder().codec(new UnserializableCodec()))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining(UnserializableCodec.class.getName())
        .hasMessageContaining("cannot travel with its queue");
  }

  @Test
  void simpleQueue_withCodec_nullNeverReachesTheCodec() throws Exception {
    SimpleQueue<@Nullable Point> q =
        ctx.simpleQueue(QueueOptions.builder().codec(new PointCodec()).build());
    q.put(null);
    q.put(new Point(1, 2));
    assertThat(q.get()).isNull();
    assertThat(q.get()).isEqualTo(new Point(1, 2));
  }

  @Test
  void customCodec_bytesCopied_arraysDoNotAlias() throws Exception {
    ProcessQueue<byte[]> q = ctx.queue(QueueOptions.builder().codec(new IdentityCodec()).build());
    byte[] sent = {1, 2, 3};
    q.put(sent);
    sent[0] = 9;
    assertThat(Arrays.equals(q.get(), new byte[] {1, 2, 3})).isTrue();
  }
}
