package org.multiprocessing4j;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One end of a {@link Pipe}: Python's {@code multiprocessing.connection.Connection}.
 *
 * <p>{@link #send} puts a value into the pipe and {@link #recv} takes the next value the other end
 * sent, in order. Values are copied as by {@link ProcessQueue} ({@code null} allowed; boxed
 * primitives, {@link String} and {@code byte[]} encoded directly; anything else must be {@link
 * java.io.Serializable}). {@link #sendBytes} and {@link #recvBytes} carry raw bytes. An end is
 * passed to another process by capturing it in a target or sending it through a queue or pipe.
 *
 * <h2>End of file</h2>
 *
 * The other end is <em>gone</em> once some process has used it (sent, received or polled through
 * it) and every process that used it has closed it or ended. A process that only created the pipe
 * and handed the other end to a child does not keep that end alive, unlike in Python, where the
 * parent must close its copy. When the other end is gone, {@link #recv} returns what was already
 * sent and then throws {@link EOFException} (Python's {@code EOFError}) instead of blocking
 * forever, within about 100 ms of the death of the last process using it; {@link #send} throws
 * {@link IOException} (Python's {@code BrokenPipeError}). Until some process has used the other
 * end, {@link #recv} waits for it, unless the process that created the pipe has ended.
 *
 * <h2>Threads</h2>
 *
 * Any thread may use an end, and several threads or processes may send on one end at once (each
 * value arrives whole); values are delivered to exactly one receiver. Python leaves concurrent use
 * of one end undefined.
 *
 * <p>Memory consistency effects: actions in a thread prior to sending a value happen-before actions
 * subsequent to the receipt of that value, in this or another process.
 */
public interface Connection extends AutoCloseable {

  /**
   * Sends a value to the other end: Python's {@code send(obj)}. Waits while the pipe's buffer is
   * full.
   *
   * @param value the value; may be null
   * @throws IOException if the other end is gone (broken pipe); nothing was sent
   * @throws InterruptedException if interrupted while waiting for room; nothing was sent
   * @throws UnserializableValueException if the value cannot be encoded; nothing was sent
   * @throws IllegalStateException if this end is closed, or can only receive
   */
  void send(@Nullable Object value) throws IOException, InterruptedException;

  /**
   * Receives the next value sent by the other end, waiting as long as needed: Python's {@code
   * recv()}.
   *
   * @return the value; null if null was sent
   * @throws EOFException if nothing is left and the other end is gone
   * @throws InterruptedException if interrupted while waiting; nothing was received
   * @throws UndecodableValueException if the value cannot be decoded here; it was removed
   * @throws IllegalStateException if this end is closed, or can only send
   */
  @Nullable Object recv() throws EOFException, InterruptedException;

  /**
   * Sends bytes as one message: Python's {@code send_bytes(buf)}.
   *
   * @param bytes the message
   * @throws IOException if the other end is gone; nothing was sent
   * @throws InterruptedException if interrupted while waiting for room; nothing was sent
   * @throws IllegalStateException if this end is closed, or can only receive
   */
  void sendBytes(byte[] bytes) throws IOException, InterruptedException;

  /**
   * Sends {@code length} bytes of {@code bytes} from {@code offset} as one message: Python's {@code
   * send_bytes(buf, offset, size)}.
   *
   * @param bytes holds the message
   * @param offset where it starts
   * @param length its length
   * @throws IndexOutOfBoundsException if the range is outside {@code bytes}
   * @throws IOException if the other end is gone; nothing was sent
   * @throws InterruptedException if interrupted while waiting for room; nothing was sent
   * @throws IllegalStateException if this end is closed, or can only receive
   */
  void sendBytes(byte[] bytes, int offset, int length) throws IOException, InterruptedException;

  /**
   * Receives the next message as bytes, waiting as long as needed: Python's {@code recv_bytes()}.
   *
   * @return the message
   * @throws EOFException if nothing is left and the other end is gone
   * @throws InterruptedException if interrupted while waiting; nothing was received
   * @throws IllegalStateException if this end is closed or can only send, or if the next message
   *     was sent with {@link #send} and is not a {@code byte[]} (it stays in the pipe)
   */
  byte[] recvBytes() throws EOFException, InterruptedException;

  /**
   * Receives the next message into {@code buffer} from {@code offset}, waiting as long as needed:
   * Python's {@code recv_bytes_into(buffer, offset)}.
   *
   * @param buffer where to copy the message
   * @param offset where in {@code buffer}
   * @return the message's length
   * @throws IllegalArgumentException if the message does not fit (Python's {@code BufferTooShort});
   *     unlike in Python, the message stays in the pipe, to be received with a larger buffer
   * @throws EOFException if nothing is left and the other end is gone
   * @throws InterruptedException if interrupted while waiting; nothing was received
   * @throws IllegalStateException if this end is closed or can only send, or if the next message is
   *     not bytes (it stays in the pipe)
   */
  int recvBytesInto(byte[] buffer, int offset) throws EOFException, InterruptedException;

  /**
   * Returns whether {@link #recv} would return without waiting: a message is there, or the other
   * end is gone: Python's {@code poll()}.
   *
   * @return true if a receive would not block
   * @throws IllegalStateException if this end is closed, or can only send
   */
  boolean poll();

  /**
   * Waits up to {@code timeout} until {@link #recv} would return without waiting: Python's {@code
   * poll(timeout)}.
   *
   * @param timeout how long to wait; zero only checks
   * @return true if a receive would not block, false if the timeout elapsed first
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if this end is closed, or can only send
   */
  boolean poll(Duration timeout) throws InterruptedException;

  /**
   * Returns whether this end can receive (false for the sending end of a one-way pipe).
   *
   * @return true if it can receive
   */
  boolean readable();

  /**
   * Returns whether this end can send (false for the receiving end of a one-way pipe).
   *
   * @return true if it can send
   */
  boolean writable();

  /**
   * Returns whether {@link #close()} was called on this end in this process.
   *
   * @return true if closed here
   */
  boolean closed();

  /**
   * Closes this end in this process: later calls here throw {@link IllegalStateException}, and once
   * no process using this end is left, the other end sees end of file. Messages already sent stay
   * readable by the other end. Idempotent.
   */
  @Override
  void close();
}
