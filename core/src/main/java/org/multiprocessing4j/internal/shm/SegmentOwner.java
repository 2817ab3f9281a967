package org.multiprocessing4j.internal.shm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.multiprocessing4j.internal.spawn.Child;
import org.multiprocessing4j.internal.spawn.Children;

/**
 * The shared-memory files of one context: creates them under the context's name prefix, and removes
 * every file with that prefix when the context closes or this JVM exits.
 *
 * <h2>Lifecycle</h2>
 *
 * <pre>
 *   open ──first create()──▶ open, swept ──close() or JVM exit──▶ closed
 * </pre>
 *
 * The first {@link #create} sweeps the files of dead owners (once per context, so a JVM that never
 * uses shared memory never lists {@code /dev/shm}). {@link #close()} removes every file named with
 * this context's prefix, including those that processes attached to a queue created for it (a
 * queue's overflow files), then unmaps this JVM's mappings: later accesses from this JVM throw
 * {@link IllegalStateException}; other processes keep the memory they mapped until they drop it.
 *
 * <p>At JVM exit a shutdown hook closes the owners still open, after this JVM's children have ended
 * (the spawn exit hook terminates daemonic children and waits for the others), so a non-daemonic
 * child can still attach to what its parent created while the parent waits for it. A JVM killed
 * outright leaves its files behind for the next sweep.
 */
public final class SegmentOwner implements AutoCloseable {

  private static final AtomicLong CONTEXTS = new AtomicLong();
  private static final Set<SegmentOwner> OPEN = ConcurrentHashMap.newKeySet();
  private static boolean hookInstalled; // guarded by SegmentOwner.class

  private final String contextId;
  private final String prefix;
  private final AtomicLong names = new AtomicLong();
  private final Arena arena = Arena.ofShared();
  private boolean swept; // guarded by this
  private boolean closed; // guarded by this

  private SegmentOwner() {
    this.contextId = ShmDirectory.contextId(CONTEXTS.incrementAndGet());
    this.prefix = ShmDirectory.ownerPrefix(contextId);
  }

  /** Creates the file registry of a new context. Touches no file until {@link #create}. */
  public static SegmentOwner open() {
    return new SegmentOwner();
  }

  /** Returns the context id used in file names. */
  public String contextId() {
    return contextId;
  }

  /** Returns the prefix of every file this owner removes at close. */
  public String prefix() {
    return prefix;
  }

  /**
   * Creates and maps a new file named {@code <prefix><kind><n>}.
   *
   * @param kind a short word for what it holds, such as {@code q} for a queue
   * @param sizeBytes its size
   * @return the segment, unmapped when this owner closes
   * @throws IllegalStateException if this owner is closed
   * @throws java.io.UncheckedIOException if the file cannot be created
   */
  public synchronized SharedSegment create(String kind, long sizeBytes) {
    if (closed) {
      throw new IllegalStateException("the context is closed: cannot create shared memory");
    }
    if (!swept) {
      swept = true;
      ShmDirectory.sweepDeadOwners();
      installHook();
      OPEN.add(this);
    }
    Path path = ShmDirectory.dir().resolve(prefix + kind + names.incrementAndGet());
    return SharedSegment.create(path, sizeBytes, arena);
  }

  /** Returns whether {@link #close()} was called. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Removes every file of this owner and unmaps this JVM's mappings of what it created. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    OPEN.remove(this);
    removeFiles();
    try {
      arena.close();
    } catch (IllegalStateException e) {
      // A thread of this JVM is inside a native call with one of our segments; the GC will unmap.
    }
  }

  /**
   * Removes the files, listing them twice: another process may be making a file for this owner (a
   * queue's overflow file) while the first listing runs. Such a writer checks, after making its
   * file, that the queue's own file still exists, and removes its file if not; a file made before
   * that check found the queue's file present was made before the first pass removed it, so the
   * second listing sees it.
   */
  private void removeFiles() {
    for (int pass = 0; pass < 2; pass++) {
      for (Path p : ShmDirectory.list(prefix)) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // Best effort: the sweep removes it once this process has ended.
        }
      }
    }
  }

  private static synchronized void installHook() {
    if (!hookInstalled) {
      hookInstalled = true;
      try {
        Runtime.getRuntime().addShutdownHook(new Thread(SegmentOwner::atExit, "mp4j-shm-exit"));
      } catch (IllegalStateException e) {
        // Already exiting: the files are left for the sweep.
      }
    }
  }

  private static void atExit() {
    try {
      // Children may still attach to our files while the spawn hook waits for them.
      for (Child c : Children.live()) {
        c.waitFor(-1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (SegmentOwner o : OPEN) {
        o.removeFiles(); // not close(): threads of this JVM may still be using the mappings
      }
    }
  }

  @Override
  public String toString() {
    return "SegmentOwner[" + prefix + "*]";
  }
}
