package org.multiprocessing4j.internal.sync;

import java.io.Serial;
import org.multiprocessing4j.ReentrantProcessLock;

/** {@link ReentrantProcessLock} in a {@link SyncHeap}: a {@link ShmLock} that counts holds. */
public final class ShmReentrantLock extends ShmLock implements ReentrantProcessLock {
  @Serial private static final long serialVersionUID = 1L;

  ShmReentrantLock(SyncHeap heap, long offset) {
    super(heap, offset, true);
  }

  /** Creates a new reentrant lock in {@code heap}. */
  public static ShmReentrantLock create(SyncHeap heap) {
    return new ShmReentrantLock(heap, allocate(heap, true));
  }

  @Override
  public int getHoldCount() {
    return holdCount();
  }
}
