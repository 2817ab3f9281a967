package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongUnaryOperator;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.SharedDoubleArray;
import org.multiprocessing4j.SharedLongArray;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * {@link SharedLongArray} and {@link SharedDoubleArray}: 8-byte elements in a shared-memory file of
 * their own (arrays can be large), with a {@link ShmLock} in the context's {@link SyncHeap}.
 */
public abstract sealed class ShmArray implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final transient SharedSegment file;
  private final transient MemorySegment memory;
  private final transient int length;
  final transient ShmLock lock;

  private ShmArray(SharedSegment file, int length, ShmLock lock) {
    this.file = file;
    this.memory = file.memory();
    this.length = length;
    this.lock = lock;
  }

  private static SharedSegment allocate(SegmentOwner owner, int length) {
    if (length < 0) {
      throw new IllegalArgumentException("length < 0: " + length);
    }
    return owner.create("a", Math.max(8L * length, 8));
  }

  /** Creates a shared long array of {@code length} zeros. */
  public static SharedLongArray createLong(SegmentOwner owner, SyncHeap heap, int length) {
    SharedSegment file = allocate(owner, length);
    return new OfLong(file, length, ShmLock.create(heap));
  }

  /** Creates a shared double array of {@code length} zeros. */
  public static SharedDoubleArray createDouble(SegmentOwner owner, SyncHeap heap, int length) {
    SharedSegment file = allocate(owner, length);
    return new OfDouble(file, length, ShmLock.create(heap));
  }

  public final int length() {
    return length;
  }

  private long at(int i) {
    return 8L * Objects.checkIndex(i, length);
  }

  final long getBits(int i) {
    return (long) LONG.getVolatile(memory, at(i));
  }

  final void setBits(int i, long bits) {
    LONG.setVolatile(memory, at(i), bits);
  }

  final boolean compareAndSetBits(int i, long expected, long update) {
    return LONG.compareAndSet(memory, at(i), expected, update);
  }

  final long getAndAddBits(int i, long delta) {
    return (long) LONG.getAndAdd(memory, at(i), delta);
  }

  public final ProcessLock getLock() {
    return lock;
  }

  public final void withLock(Runnable action) {
    lock.lock();
    try {
      action.run();
    } finally {
      lock.unlock();
    }
  }

  /** {@code long} elements. */
  static final class OfLong extends ShmArray implements SharedLongArray {
    @Serial private static final long serialVersionUID = 1L;

    OfLong(SharedSegment file, int length, ShmLock lock) {
      super(file, length, lock);
    }

    @Override
    public long get(int i) {
      return getBits(i);
    }

    @Override
    public void set(int i, long value) {
      setBits(i, value);
    }

    @Override
    public boolean compareAndSet(int i, long expected, long update) {
      return compareAndSetBits(i, expected, update);
    }

    @Override
    public long addAndGet(int i, long delta) {
      return getAndAddBits(i, delta) + delta;
    }

    @Override
    public long updateAndGet(int i, LongUnaryOperator update) {
      while (true) {
        long v = getBits(i);
        long u = update.applyAsLong(v);
        if (compareAndSetBits(i, v, u)) {
          return u;
        }
      }
    }

    @Override
    public long[] toArray() {
      long[] a = new long[length()];
      for (int i = 0; i < a.length; i++) {
        a[i] = getBits(i);
      }
      return a;
    }

    @Override
    public String toString() {
      return "SharedLongArray" + java.util.Arrays.toString(toArray());
    }
  }

  /** {@code double} elements, as raw bits. */
  static final class OfDouble extends ShmArray implements SharedDoubleArray {
    @Serial private static final long serialVersionUID = 1L;

    OfDouble(SharedSegment file, int length, ShmLock lock) {
      super(file, length, lock);
    }

    @Override
    public double get(int i) {
      return Double.longBitsToDouble(getBits(i));
    }

    @Override
    public void set(int i, double value) {
      setBits(i, Double.doubleToRawLongBits(value));
    }

    @Override
    public boolean compareAndSet(int i, double expected, double update) {
      return compareAndSetBits(
          i, Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(update));
    }

    @Override
    public double addAndGet(int i, double delta) {
      return updateAndGet(i, v -> v + delta);
    }

    @Override
    public double updateAndGet(int i, DoubleUnaryOperator update) {
      while (true) {
        long v = getBits(i);
        double u = update.applyAsDouble(Double.longBitsToDouble(v));
        if (compareAndSetBits(i, v, Double.doubleToRawLongBits(u))) {
          return u;
        }
      }
    }

    @Override
    public double[] toArray() {
      double[] a = new double[length()];
      for (int i = 0; i < a.length; i++) {
        a[i] = get(i);
      }
      return a;
    }

    @Override
    public String toString() {
      return "SharedDoubleArray" + java.util.Arrays.toString(toArray());
    }
  }

  // ------------------------------------------------------------------------------------ transfer

  /** What travels to another process: the file, the length, the lock. */
  private record Ref(String file, int length, ShmLock lock, boolean isDouble)
      implements Serializable {
    @Serial
    private Object readResolve() {
      SharedSegment s = SharedSegment.attach(file);
      return isDouble ? new OfDouble(s, length, lock) : new OfLong(s, length, lock);
    }
  }

  @Serial
  protected final Object writeReplace() {
    return new Ref(file.name(), length, lock, this instanceof OfDouble);
  }
}
