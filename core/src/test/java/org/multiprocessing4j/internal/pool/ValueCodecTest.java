package org.multiprocessing4j.internal.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The pool's list encoding: lists of only Integers or only Longs are packed (4 or 8 bytes an
 * element); every other list comes back with the same elements of the same types.
 */
class ValueCodecTest {

  private static final ClassLoader LOADER = ValueCodecTest.class.getClassLoader();

  private static byte[] encode(List<?> list) {
    ByteSink s = new ByteSink(16);
    ValueCodec.writeList(s, list, "a test value");
    return s.toByteArray();
  }

  private static List<@Nullable Object> decode(byte[] bytes) throws IOException {
    ByteSource in = new ByteSource(bytes);
    List<@Nullable Object> list = ValueCodec.readList(in, LOADER);
    assertThat(in.remaining()).isZero();
    return list;
  }

  @Test
  void writeList_onlyIntegers_isPackedAndReadBackAsIntegers() throws IOException {
    List<Integer> ints = IntStream.range(-500, 500).map(i -> i * 100_003).boxed().toList();
    byte[] bytes = encode(ints);
    assertThat(bytes).hasSize(1 + 4 + 4 * ints.size());
    List<@Nullable Object> back = decode(bytes);
    assertThat(back).isEqualTo(ints);
    assertThat(back).allMatch(v -> v instanceof Integer);
  }

  @Test
  void writeList_onlyLongs_isPackedAndReadBackAsLongs() throws IOException {
    List<Long> longs = LongStream.of(Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE).boxed().toList();
    byte[] bytes = encode(longs);
    assertThat(bytes).hasSize(1 + 4 + 8 * longs.size());
    List<@Nullable Object> back = decode(bytes);
    assertThat(back).isEqualTo(longs);
    assertThat(back).allMatch(v -> v instanceof Long);
  }

  @Test
  void writeList_integersThenAnotherType_keepsEveryElementsType() throws IOException {
    List<@Nullable Object> mixed = new ArrayList<>(Arrays.asList(1, 2, 3L, null, "s", 4.5, true));
    assertThat(decode(encode(mixed))).containsExactlyElementsOf(mixed);
    List<@Nullable Object> longsThenInt = Arrays.asList(1L, 2L, 3);
    List<@Nullable Object> back = decode(encode(longsThenInt));
    assertThat(back).containsExactly(1L, 2L, 3);
    assertThat(back.get(2)).isInstanceOf(Integer.class);
  }

  @Test
  void writeList_emptyAndSerializedLists_roundTrip() throws IOException {
    assertThat(decode(encode(List.of()))).isEmpty();
    List<Object> other = List.of(List.of(1, 2), "x"); // a list inside: serialized whole
    assertThat(decode(encode(other))).isEqualTo(other);
  }

  @Test
  void readList_packedCountBeyondTheBytes_throwsInsteadOfAllocating() {
    byte[] bytes = encode(List.of(1, 2, 3));
    bytes[4] = 100; // the count's low byte (big-endian): 100 ints, 12 bytes of them
    assertThatThrownBy(() -> decode(bytes)).isInstanceOf(IOException.class);
    byte[] huge = encode(List.of(1L));
    huge[1] = 0x7f; // a count near Integer.MAX_VALUE
    assertThatThrownBy(() -> decode(huge)).isInstanceOf(IOException.class);
  }
}
