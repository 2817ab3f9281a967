package org.multiprocessing4j;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;

/**
 * A first-in first-out queue shared by processes: Python's {@code multiprocessing.Queue}, and a
 * {@link BlockingQueue} with its standard contract.
 *
 * <p>Create one with a context ({@link MultiprocessingContext#queue(int)}) and hand it to child
 * processes by capturing it in their target, or by sending it through another queue: what travels
 * is its name, and the copy in the other process attaches to the same shared memory.
 *
 * {@snippet :
 * ProcessQueue<String> q = Multiprocessing.local().queue(3);
 * JvmProcess producer = new JvmProcess(() -> {
 *   for (String s : List.of("a", "b", "c")) {
 *     q.put(s);                                  // in the child
 *   }
 * }).start();
 * System.out.println(q.get() + q.get() + q.get()); // "abc", in the parent
 * producer.join();
 * }
 *
 * <h2>Methods by behaviour</h2>
 *
 * <table class="striped">
 * <caption>What each method does when the queue is full (put) or empty (get)</caption>
 * <thead>
 * <tr><th></th><th>Throws</th><th>Special value</th><th>Blocks</th><th>Times out</th></tr>
 * </thead>
 * <tbody>
 * <tr><th scope="row">Insert</th><td>{@link #putNowait putNowait(e)}, {@link #add add(e)}</td>
 *     <td>{@link #offer(Object) offer(e)}</td><td>{@link #put(Object) put(e)}</td>
 *     <td>{@link #put(Object, Duration) put(e, timeout)} throws,
 *         {@link #offer(Object, long, java.util.concurrent.TimeUnit) offer(e, time, unit)}
 *         returns false</td></tr>
 * <tr><th scope="row">Remove</th><td>{@link #getNowait()}, {@link #remove()}</td>
 *     <td>{@link #poll()}</td><td>{@link #get()}, {@link #take()}</td>
 *     <td>{@link #get(Duration) get(timeout)} throws,
 *         {@link #poll(long, java.util.concurrent.TimeUnit) poll(time, unit)} returns null</td></tr>
 * <tr><th scope="row">Examine</th><td>{@link #element()}</td><td>{@link #peek()}</td>
 *     <td></td><td></td></tr>
 * </tbody>
 * </table>
 *
 * "Throws" means {@link QueueFullException} (an {@link IllegalStateException}, Python's {@code
 * Full}) or {@link QueueEmptyException} (a {@link java.util.NoSuchElementException}, Python's
 * {@code Empty}). Blocking methods throw {@link InterruptedException} when the waiting thread is
 * interrupted, having put or taken nothing. A timeout of zero does not wait; a negative {@link
 * Duration} is rejected, as Python rejects a negative timeout.
 *
 * <h2>Items</h2>
 *
 * Items are copied: {@code null} is rejected (as by every {@code BlockingQueue}; use a sentinel
 * object to signal the end); boxed primitives, {@link String}, {@code byte[]}, and {@link
 * java.util.ArrayList ArrayList}s and {@link java.util.List#of() List.of} lists of these have a
 * compact encoding (a list comes back as the same kind of list); anything else must be {@link
 * java.io.Serializable}, unless the queue was created with a {@link Codec} of its own (see {@link
 * QueueOptions}), which then encodes every item. An item that cannot be encoded makes the put throw
 * {@link UnserializableValueException} naming its class, and the queue is left as it was. An item
 * that arrives but cannot be decoded (its class is missing in the receiving process) makes the get
 * throw {@link UndecodableValueException}; that item is lost, and the queue stays usable. Items of
 * any size pass, up to 2 GiB minus a little: those above a quarter of the queue's ring travel
 * through a file of their own, so they never wait for the ring to be empty. {@link QueueOptions}
 * sets the ring's size and the queue's memory budget.
 *
 * <h2>Across processes</h2>
 *
 * Any number of threads in any number of processes may put and get at once. Each item is delivered
 * to exactly one getter; items from one producer thread arrive in the order it put them. When
 * {@code put} returns, the item is in shared memory: it is delivered even if the producer process
 * exits or is killed right after (unlike Python's queue, whose feeder thread may still hold it), so
 * {@link #joinThread()} and {@link #cancelJoinThread()} have nothing to do. A process killed in the
 * middle of a {@code put} leaves no partial item and does not block the others (its item is not
 * put; its lock is taken over within milliseconds). A process killed in the middle of a {@code get}
 * that had not yet removed the item leaves it for the next getter; one killed after removing it
 * takes it along, as does any process that dies after {@code get} returned. {@link #qsize()},
 * {@link #empty()} and {@link #full()} are exact when no one else is using the queue, and otherwise
 * reflect a recent moment, as in Python.
 *
 * <p>The queue's memory belongs to the context that created it, and is released when that context
 * is closed or its process ends; using the queue afterwards throws {@link IllegalStateException}.
 *
 * <p>Memory consistency effects: actions in a thread prior to placing an item into the queue
 * happen-before actions subsequent to the removal of that item from the queue in another thread, in
 * this or another process (for the memory that is shared between them: the item itself is a copy).
 *
 * @param <E> the type of the items
 */
public interface ProcessQueue<E> extends BlockingQueue<E>, AutoCloseable {

  /**
   * Puts an item at the tail, waiting as long as needed for room.
   *
   * @param item the item; not null
   * @throws InterruptedException if interrupted while waiting; the item was not put
   * @throws NullPointerException if {@code item} is null
   * @throws UnserializableValueException if the item cannot be encoded; nothing was put
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  @Override
  void put(E item) throws InterruptedException;

  /**
   * Puts an item at the tail, waiting up to {@code timeout} for room: Python's {@code put(item,
   * timeout=t)}.
   *
   * @param item the item; not null
   * @param timeout how long to wait for room; zero does not wait
   * @throws QueueFullException if there was no room within the timeout; the item was not put
   * @throws InterruptedException if interrupted while waiting; the item was not put
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code item} is null
   * @throws UnserializableValueException if the item cannot be encoded; nothing was put
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  void put(E item, Duration timeout) throws InterruptedException;

  /**
   * Puts an item at the tail if there is room now: Python's {@code put_nowait(item)}. It may wait
   * briefly for another thread or process that is in the middle of a put, never for room.
   *
   * @param item the item; not null
   * @throws QueueFullException if the queue is full; the item was not put
   * @throws NullPointerException if {@code item} is null
   * @throws UnserializableValueException if the item cannot be encoded; nothing was put
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  void putNowait(E item);

  /**
   * Removes and returns the item at the head, waiting as long as needed for one: Python's {@code
   * get()}, the same as {@link #take()}.
   *
   * @return the item
   * @throws InterruptedException if interrupted while waiting; nothing was taken
   * @throws UndecodableValueException if the item cannot be decoded here; it was removed
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  E get() throws InterruptedException;

  /**
   * Removes and returns the item at the head, waiting up to {@code timeout} for one: Python's
   * {@code get(timeout=t)}.
   *
   * @param timeout how long to wait for an item; zero does not wait
   * @return the item
   * @throws QueueEmptyException if no item came within the timeout
   * @throws InterruptedException if interrupted while waiting; nothing was taken
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws UndecodableValueException if the item cannot be decoded here; it was removed
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  E get(Duration timeout) throws InterruptedException;

  /**
   * Removes and returns the item at the head if there is one now: Python's {@code get_nowait()}.
   *
   * @return the item
   * @throws QueueEmptyException if the queue is empty
   * @throws UndecodableValueException if the item cannot be decoded here; it was removed
   * @throws IllegalStateException if the queue is closed in this process, or its context is closed
   */
  E getNowait();

  /**
   * Takes every item available now, as {@link #drainTo(Collection, int)} with no limit.
   *
   * @param c where to add the items
   * @return how many items were moved
   */
  @Override
  default int drainTo(Collection<? super E> c) {
    return drainTo(c, Integer.MAX_VALUE);
  }

  /**
   * Takes up to {@code maxElements} items available now, head first, by {@link #poll()}, adding
   * each to {@code c}; it stops early when the queue is empty. Other processes may take items at
   * the same time, so the items moved are those this process got, in its order.
   *
   * @param c where to add the items
   * @param maxElements the most items to move
   * @return how many items were moved
   * @throws IllegalArgumentException if {@code c} is this queue
   * @throws UndecodableValueException if an item cannot be decoded here; it was removed, and the
   *     items before it are in {@code c}
   */
  @Override
  default int drainTo(Collection<? super E> c, int maxElements) {
    Objects.requireNonNull(c, "c");
    if (c == this) {
      throw new IllegalArgumentException("cannot drain a queue into itself");
    }
    int n = 0;
    E item;
    while (n < maxElements && (item = poll()) != null) {
      c.add(item);
      n++;
    }
    return n;
  }

  /**
   * Returns the number of items in the queue: Python's {@code qsize()}, the same as {@link
   * #size()}. Exact when no one else is using the queue; otherwise a recent value.
   *
   * @return the number of items
   */
  int qsize();

  /**
   * Returns whether the queue has no items: Python's {@code empty()}; approximate while others use
   * it.
   *
   * @return true if empty
   */
  boolean empty();

  /**
   * Returns whether the queue holds {@link #maxsize()} items: Python's {@code full()}; approximate
   * while others use it. Always false for a queue without a maximum.
   *
   * @return true if full
   */
  boolean full();

  /**
   * Returns the most items the queue holds, or 0 if it has no maximum (Python's {@code maxsize}).
   * Without a maximum, puts still wait while the ring is full or the memory budget is spent.
   *
   * @return the maximum number of items, or 0
   */
  int maxsize();

  /**
   * Closes the queue in this process: later puts and gets here throw {@link IllegalStateException},
   * as in Python after {@code close()}. Other processes are not affected, items already put stay in
   * the queue, and the memory is released by the owning context. Idempotent.
   */
  @Override
  void close();

  /**
   * Does nothing: Python's {@code join_thread()} waits for the feeder thread to flush buffered
   * items, and this queue has no feeder thread (an item is in shared memory when {@code put}
   * returns).
   */
  void joinThread();

  /**
   * Does nothing: Python's {@code cancel_join_thread()} lets a process exit without flushing its
   * feeder thread, and this queue has none; no item is ever lost at exit.
   */
  void cancelJoinThread();
}
