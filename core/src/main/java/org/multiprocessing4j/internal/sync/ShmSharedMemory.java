package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.multiprocessing4j.SharedMemory;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * {@link SharedMemory}: one shared-memory file mapped with an arena of its own, so that {@link
 * #close()} unmaps it here without disturbing other blocks or processes.
 */
public final class ShmSharedMemory implements SharedMemory, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private final transient String name;
  private final transient Arena arena;
  private final transient MemorySegment segment;
  private final transient AtomicBoolean closed = new AtomicBoolean();
  private final transient Runnable onClose;

  private ShmSharedMemory(String name, Arena arena, MemorySegment segment, Runnable onClose) {
    this.name = name;
    this.arena = arena;
    this.segment = segment;
    this.onClose = onClose;
  }

  /**
   * Creates a zeroed block named {@code name}, whose prefix is a live owner's.
   *
   * @param onClose run once, by the first {@link #close()}
   * @throws IllegalArgumentException if {@code sizeBytes} is not positive
   */
  static ShmSharedMemory create(String name, long sizeBytes, Runnable onClose) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("size must be positive: " + sizeBytes);
    }
    Arena arena = Arena.ofShared();
    try {
      SharedSegment s = SharedSegment.createFor(name, sizeBytes, arena);
      return new ShmSharedMemory(name, arena, s.memory(), onClose);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** Maps the block named {@code name}. See {@link SharedMemory#attach(String)}. */
  public static ShmSharedMemory attach(String name) {
    Arena arena = Arena.ofShared();
    try {
      SharedSegment s = SharedSegment.attach(name, arena);
      return new ShmSharedMemory(name, arena, s.memory(), () -> {});
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long size() {
    return segment.byteSize();
  }

  @Override
  public MemorySegment segment() {
    if (closed.get()) {
      throw new IllegalStateException("shared memory " + name + " is closed in this process");
    }
    return segment;
  }

  @Override
  public void unlink() {
    SharedSegment.unlink(name);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      arena.close();
      onClose.run();
    }
  }

  @Override
  public String toString() {
    return "SharedMemory[" + name + ", " + size() + " bytes" + (closed.get() ? ", closed]" : "]");
  }

  /** What travels to another process: the name, mapped again there. */
  private record Ref(String name) implements Serializable {
    @Serial
    private Object readResolve() {
      return attach(name);
    }
  }

  @Serial
  private Object writeReplace() {
    return new Ref(name);
  }
}
