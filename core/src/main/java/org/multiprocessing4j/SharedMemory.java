package org.multiprocessing4j;

import java.lang.foreign.MemorySegment;
import org.multiprocessing4j.internal.sync.ShmSharedMemory;

/**
 * A named block of shared memory, mapped into every process that uses it: Python's {@code
 * multiprocessing.shared_memory.SharedMemory}, seen through a {@link MemorySegment}.
 *
 * <p>Create one with {@link MultiprocessingContext#sharedMemory(long)}; reach it from another
 * process by handing it over (it travels as its name and is mapped again on arrival) or by its
 * {@link #name()} with {@link #attach(String)}. The bytes start zeroed. Every process sees the same
 * bytes: what one writes, others read, with the ordering given by the access modes used ({@link
 * java.lang.invoke.VarHandle} acquire/release or volatile accesses on the segment, or a {@link
 * ProcessLock} around plain ones).
 *
 * <pre>{@code
 * try (SharedMemory shm = ctx.sharedMemory(1024)) {          // SharedMemory(create=True, size=1024)
 *   shm.segment().set(ValueLayout.JAVA_INT, 0, 42);
 *   String name = shm.name();
 *   ctx.process(() -> {
 *     try (SharedMemory same = SharedMemory.attach(name)) {  // SharedMemory(name)
 *       System.out.println(same.segment().get(ValueLayout.JAVA_INT, 0));
 *     }
 *   }).start().join();
 * }
 * }</pre>
 *
 * <h2>Lifetime</h2>
 *
 * {@link #close()} unmaps the block from this process only (Python's {@code close()}); {@link
 * #unlink()} removes its name so that no process can attach any more (Python's {@code unlink()}),
 * while processes that have it mapped keep using it until they close it. The block belongs to the
 * context that created it: closing that context (or the end of its JVM) unlinks it, and processes
 * that crash leave nothing behind for long, since the files of dead owners are swept, so Python's
 * resource tracker has no counterpart here.
 */
public interface SharedMemory extends AutoCloseable {

  /**
   * Maps an existing block by name, in this process; Python's {@code SharedMemory(name)}.
   *
   * @param name a {@link #name()} from any process of the same user
   * @return the block, mapped until {@link #close()}
   * @throws IllegalStateException if no block has that name (it was unlinked, or its context was
   *     closed or its process ended)
   * @throws IllegalArgumentException if {@code name} is not the name of a block
   * @throws java.io.UncheckedIOException if it cannot be mapped
   */
  static SharedMemory attach(String name) {
    return ShmSharedMemory.attach(name);
  }

  /**
   * Returns the name by which other processes attach to the block.
   *
   * @return the name, such as {@code mp4j-4395-4nbm_1-m1}
   */
  String name();

  /**
   * Returns the size of the block in bytes.
   *
   * @return the size given at creation
   */
  long size();

  /**
   * Returns the block's memory in this process; Python's {@code buf}.
   *
   * @return a segment of {@link #size()} bytes, page-aligned, usable by any thread
   * @throws IllegalStateException if the block is closed in this process
   */
  MemorySegment segment();

  /**
   * Removes the block's name: later {@link #attach} calls fail; mappings stay valid. Idempotent.
   */
  void unlink();

  /**
   * Unmaps the block from this process. Idempotent. Accessing a segment obtained from {@link
   * #segment()} afterwards throws {@link IllegalStateException} instead of touching unmapped
   * memory. Other processes are not affected.
   *
   * @throws IllegalStateException if a thread of this process is using the segment in a native call
   *     at that moment
   */
  @Override
  void close();
}
