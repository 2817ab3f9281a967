package org.multiprocessing4j;

import java.io.Serializable;

/**
 * Turns the items of a queue, or the values sent through a pipe, into bytes and back, in place of
 * the built-in encoding: give one to {@link QueueOptions.Builder#codec(Codec)} when creating a
 * queue, or to {@link MultiprocessingContext#pipe(boolean, Codec)}.
 *
 * <p>Without a codec, a queue uses its built-in encoding: a compact form for {@code null}, the
 * boxed primitives, {@link String}, {@code byte[]} and {@link java.util.ArrayList ArrayList}s and
 * {@link java.util.List#of() List.of} lists of these, and Java serialization (read back through a
 * deserialization filter) for everything else. Bring a codec for types that are not serializable,
 * for a smaller or faster form of your own types (a protocol buffer, a hand-written layout), or to
 * read the bytes with a library of your choice.
 *
 * {@snippet :
 * record Point(int x, int y) {}                       // not Serializable
 *
 * final class PointCodec implements Codec<Point> {
 *   public byte[] encode(Point p) {
 *     return ByteBuffer.allocate(8).putInt(p.x()).putInt(p.y()).array();
 *   }
 *
 *   public Point decode(byte[] bytes) {
 *     ByteBuffer b = ByteBuffer.wrap(bytes);
 *     return new Point(b.getInt(), b.getInt());
 *   }
 * }
 *
 * ProcessQueue<Point> q =
 *     Multiprocessing.local().queue(QueueOptions.builder().codec(new PointCodec()).build());
 * }
 *
 * <h2>Across processes</h2>
 *
 * The codec travels with the queue (or pipe end): it is Java-serialized into the handle whenever
 * the handle is sent to another process (captured in a process target, or put on another queue),
 * and every handle of the queue, in any process, encodes and decodes with an equal copy. Its class
 * must therefore be {@link Serializable} and on the class path of every process that uses the
 * queue; {@link QueueOptions.Builder#codec(Codec)} checks the first at once. A codec should be
 * stateless, or hold only immutable configuration: copies in different processes share nothing.
 *
 * <h2>Failures</h2>
 *
 * {@code null} items never reach a codec (a queue encodes {@code null} itself, where it accepts
 * it). An exception thrown by {@link #encode} makes the put throw {@link
 * UnserializableValueException} naming the item's class, with the exception as its cause; nothing
 * is put and the queue stays usable. An exception thrown by {@link #decode} makes the get throw
 * {@link UndecodableValueException}; that item is lost (it was removed), and the queue stays
 * usable. Both run in the calling thread, outside the queue's locks, so a slow codec slows only its
 * caller.
 *
 * @param <E> the type of the items
 */
public interface Codec<E> extends Serializable {

  /**
   * Encodes an item.
   *
   * @param item the item; never null
   * @return its bytes; the queue copies them and does not keep the array
   * @throws Exception if the item cannot be encoded; the put throws {@link
   *     UnserializableValueException}
   */
  byte[] encode(E item) throws Exception;

  /**
   * Decodes what {@link #encode} made, in this or another process.
   *
   * @param bytes a copy of the bytes {@link #encode} returned; the codec may keep it
   * @return the item; not null
   * @throws Exception if the bytes cannot be decoded; the get throws {@link
   *     UndecodableValueException}
   */
  E decode(byte[] bytes) throws Exception;
}
