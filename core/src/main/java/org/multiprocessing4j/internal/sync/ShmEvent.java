package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.ProcessEvent;

/**
 * {@link ProcessEvent} in a {@link SyncHeap}.
 *
 * <pre>
 *   +0   int   futex word (EventCount)   waited on by await
 *   +4   int   flag                      1 = set; written by setVolatile
 *   +8   long  number                    names the event in messages
 * </pre>
 *
 * The flag is written (volatile) before the event count is signalled, which is the event count's
 * protocol: a waiter either sees the flag or is woken.
 */
public final class ShmEvent implements ProcessEvent, Serializable {
  @Serial private static final long serialVersionUID = 1L;

  static final long LENGTH = 16;
  private static final long FUTEX = 0;
  private static final long FLAG = 4;
  private static final long NUMBER = 8;

  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final transient SyncHeap heap;
  private final transient long offset;
  private final transient MemorySegment memory;
  private final transient EventCount word;

  private ShmEvent(SyncHeap heap, long offset) {
    this.heap = heap;
    this.offset = offset;
    this.memory = heap.memory();
    this.word = new EventCount(memory, offset + FUTEX);
  }

  /** Creates a cleared event in {@code heap}. */
  public static ShmEvent create(SyncHeap heap) {
    long at = heap.allocate(LENGTH);
    LONG.setRelease(heap.memory(), at + NUMBER, heap.nextObjectNumber());
    return new ShmEvent(heap, at);
  }

  @Override
  public boolean isSet() {
    return (int) INT.getVolatile(memory, offset + FLAG) != 0;
  }

  @Override
  public void set() {
    if ((int) INT.getVolatile(memory, offset + FLAG) == 0) {
      INT.setVolatile(memory, offset + FLAG, 1);
    }
    word.signalAll(); // also when it was set: a concurrent clear-then-wait must not be stranded
  }

  @Override
  public void clear() {
    INT.setVolatile(memory, offset + FLAG, 0);
  }

  @Override
  public void await() throws InterruptedException {
    word.await(this::isSet, Waiting.FOREVER);
  }

  @Override
  public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return word.await(this::isSet, unit.toNanos(timeout));
  }

  @Override
  public String toString() {
    return "ProcessEvent#"
        + (long) LONG.getAcquire(memory, offset + NUMBER)
        + (isSet() ? "[set]" : "[cleared]");
  }

  /** What travels to another process: where the event is. */
  private record Ref(String heap, long offset) implements Serializable {
    @Serial
    private Object readResolve() {
      return new ShmEvent(SyncHeap.attach(heap), offset);
    }
  }

  @Serial
  private Object writeReplace() {
    return new Ref(heap.name(), offset);
  }
}
