package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.SharedDouble;
import org.multiprocessing4j.SharedLong;

/**
 * {@link SharedLong} and {@link SharedDouble} in a {@link SyncHeap}: one 8-byte word on a cache
 * line of its own (a double is kept as its raw bits), accessed with volatile and atomic modes, and
 * a {@link ShmLock} for {@code getLock} and {@code withLock}.
 */
public abstract sealed class ShmValue implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final transient SyncHeap heap;
  private final transient long offset;
  private final transient MemorySegment memory;
  final transient ShmLock lock;

  private ShmValue(SyncHeap heap, long offset, ShmLock lock) {
    this.heap = heap;
    this.offset = offset;
    this.memory = heap.memory();
    this.lock = lock;
  }

  /** Creates a shared long holding {@code initial}. */
  public static SharedLong createLong(SyncHeap heap, long initial) {
    ShmLock lock = ShmLock.create(heap);
    return new OfLong(heap, allocate(heap, initial), lock);
  }

  /** Creates a shared double holding {@code initial}. */
  public static SharedDouble createDouble(SyncHeap heap, double initial) {
    ShmLock lock = ShmLock.create(heap);
    return new OfDouble(heap, allocate(heap, Double.doubleToRawLongBits(initial)), lock);
  }

  private static long allocate(SyncHeap heap, long bits) {
    long at = heap.allocate(8);
    LONG.setVolatile(heap.memory(), at, bits);
    return at;
  }

  final long getBits() {
    return (long) LONG.getVolatile(memory, offset);
  }

  final void setBits(long bits) {
    LONG.setVolatile(memory, offset, bits);
  }

  final long getAndSetBits(long bits) {
    return (long) LONG.getAndSet(memory, offset, bits);
  }

  final boolean compareAndSetBits(long expected, long update) {
    return LONG.compareAndSet(memory, offset, expected, update);
  }

  final long getAndAddBits(long delta) {
    return (long) LONG.getAndAdd(memory, offset, delta);
  }

  /** A {@code long}. */
  static final class OfLong extends ShmValue implements SharedLong {
    @Serial private static final long serialVersionUID = 1L;

    OfLong(SyncHeap heap, long offset, ShmLock lock) {
      super(heap, offset, lock);
    }

    @Override
    public long get() {
      return getBits();
    }

    @Override
    public void set(long value) {
      setBits(value);
    }

    @Override
    public long getAndSet(long value) {
      return getAndSetBits(value);
    }

    @Override
    public boolean compareAndSet(long expected, long update) {
      return compareAndSetBits(expected, update);
    }

    @Override
    public long addAndGet(long delta) {
      return getAndAddBits(delta) + delta;
    }

    @Override
    public long getAndAdd(long delta) {
      return getAndAddBits(delta);
    }

    @Override
    public long updateAndGet(LongUnaryOperator update) {
      while (true) {
        long v = getBits();
        long u = update.applyAsLong(v);
        if (compareAndSetBits(v, u)) {
          return u;
        }
      }
    }

    @Override
    public long withLock(LongUnaryOperator update) {
      lock.lock();
      try {
        long u = update.applyAsLong(getBits());
        setBits(u);
        return u;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public ProcessLock getLock() {
      return lock;
    }

    @Override
    public String toString() {
      return "SharedLong[" + get() + "]";
    }
  }

  /** A {@code double}, as its raw bits. */
  static final class OfDouble extends ShmValue implements SharedDouble {
    @Serial private static final long serialVersionUID = 1L;

    OfDouble(SyncHeap heap, long offset, ShmLock lock) {
      super(heap, offset, lock);
    }

    private static double d(long bits) {
      return Double.longBitsToDouble(bits);
    }

    private static long bits(double d) {
      return Double.doubleToRawLongBits(d);
    }

    @Override
    public double get() {
      return d(getBits());
    }

    @Override
    public void set(double value) {
      setBits(bits(value));
    }

    @Override
    public double getAndSet(double value) {
      return d(getAndSetBits(bits(value)));
    }

    @Override
    public boolean compareAndSet(double expected, double update) {
      return compareAndSetBits(bits(expected), bits(update));
    }

    @Override
    public double addAndGet(double delta) {
      return updateAndGet(v -> v + delta);
    }

    @Override
    public double updateAndGet(DoubleUnaryOperator update) {
      while (true) {
        long v = getBits();
        double u = update.applyAsDouble(d(v));
        if (compareAndSetBits(v, bits(u))) {
          return u;
        }
      }
    }

    @Override
    public double withLock(DoubleUnaryOperator update) {
      lock.lock();
      try {
        double u = update.applyAsDouble(get());
        set(u);
        return u;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public ProcessLock getLock() {
      return lock;
    }

    @Override
    public String toString() {
      return "SharedDouble[" + get() + "]";
    }
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: where the value and its lock are. */
  private record Ref(String heap, long offset, ShmLock lock, boolean isDouble)
      implements Serializable {
    @Serial
    private Object readResolve() {
      SyncHeap h = SyncHeap.attach(heap);
      return isDouble ? new OfDouble(h, offset, lock) : new OfLong(h, offset, lock);
    }
  }

  @Serial
  protected final Object writeReplace() {
    return new Ref(heap.name(), offset, lock, this instanceof OfDouble);
  }
}
