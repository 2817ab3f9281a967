package org.multiprocessing4j.jcstress;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * Zero-filled slices of one mapped {@code /dev/shm} file, handed out in turn: the memory of one
 * jcstress test state each.
 *
 * <p>jcstress makes a new state object for every trial, millions per test, so each state cannot
 * have a file of its own. The file holds {@link #SLOTS} slices, used round-robin: a slice is zeroed
 * again when it comes round, by then far older than any state jcstress still runs (it keeps one
 * batch of states alive at a time, a few thousand at most, far below {@link #SLOTS}). The file
 * belongs to a {@link SegmentOwner} that removes it when the JVM exits.
 */
final class SharedSlices {

  /** Slices per file. */
  static final int SLOTS = 1 << 16;

  private static final SegmentOwner OWNER = SegmentOwner.open();

  private final SharedSegment file;
  private final long sliceBytes;
  private final AtomicLong next = new AtomicLong();

  /**
   * Maps a new file of {@link #SLOTS} slices.
   *
   * @param bytes the size of a slice; rounded up to a multiple of 64 (a cache line)
   */
  SharedSlices(long bytes) {
    this.sliceBytes = (bytes + 63) & -64L;
    this.file = OWNER.create("jcs", sliceBytes * SLOTS);
  }

  /** Returns the next slice, zero-filled. */
  MemorySegment next() {
    return nextSegment().memory();
  }

  /** Returns the next slice, zero-filled, as a segment under the file's name. */
  SharedSegment nextSegment() {
    long slot = next.getAndIncrement() & (SLOTS - 1);
    SharedSegment s = file.slice(slot * sliceBytes, sliceBytes);
    s.memory().fill((byte) 0);
    return s;
  }
}
