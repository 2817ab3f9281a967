package org.multiprocessing4j.internal.queue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.SharedSegment;

/**
 * Who holds the unfinished tasks of a joinable queue: per process, how many items it took and has
 * not yet reported done. With it, {@code join()} can tell a consumer that is slow from one that
 * died holding tasks, which would otherwise keep {@code join()} waiting forever.
 *
 * <pre>
 * file &lt;queue name&gt;.t, SLOTS slots of 64 bytes (one cache line each):
 *   +0  long  token        0 = free, else the ProcessIdentity token (pid | start time) of its process
 *   +8  long  outstanding  items taken by that process and not yet reported done
 * </pre>
 */
final class TaskTable {
  /*
   * Concurrency. A slot's token is claimed by CAS (from 0, or from a dead process's token whose
   * outstanding count is 0); only its process increments its count, anyone may decrement any count
   * by CAS (taskDone() may be called by another process than the one that took the item). Counts
   * are read with getVolatile by joiners looking for dead holders.
   *
   * Failure. took() runs right after an item was removed: a process killed between the removal and
   * took() is not seen as holding that item (a window of a few instructions). A process that cannot
   * get a slot (all SLOTS used by live processes) is not tracked; join() then waits for its tasks
   * without knowing whether it lives, as before.
   */

  static final int SLOTS = 128;
  static final long SLOT_BYTES = 64;
  static final long SIZE = SLOTS * SLOT_BYTES;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final SharedSegment segment; // keeps the mapping reachable
  private final MemorySegment mem;
  // This JVM's slot, or -1: written under this object's monitor, read without it (every get of a
  // joinable queue reads it; only the first claims a slot).
  private volatile int mine = -1;

  private TaskTable(SharedSegment segment) {
    this.segment = segment;
    this.mem = segment.memory();
  }

  static String fileName(String queueName) {
    return queueName + ".t";
  }

  /** Creates the table of a new joinable queue; removed with the queue's other files. */
  static TaskTable create(String queueName) {
    return new TaskTable(SharedSegment.createFor(fileName(queueName), SIZE, Arena.ofAuto()));
  }

  /**
   * Maps the table of an existing joinable queue.
   *
   * @throws org.multiprocessing4j.internal.shm.SegmentGoneException if it was removed
   */
  static TaskTable attach(String queueName) {
    return new TaskTable(SharedSegment.attach(fileName(queueName)));
  }

  /** A dead process that held unfinished tasks. */
  record DeadHolder(long pid, long tasks) {}

  /** Counts one item taken by this process. */
  void took() {
    int slot = mine;
    if (slot < 0) {
      slot = slot();
    }
    if (slot >= 0) {
      LONG.getAndAdd(mem, slot * SLOT_BYTES + 8, 1L);
    }
  }

  /**
   * Counts one item done: one of this process's own if it holds any, else one of a dead holder's (a
   * write-off), else any live holder's (the item was handed to this process).
   */
  void done() {
    int slot = mine;
    if (slot >= 0 && decrement(slot)) {
      return;
    }
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < SLOTS; i++) {
        long token = (long) LONG.getVolatile(mem, i * SLOT_BYTES);
        if (token == 0 || (long) LONG.getVolatile(mem, i * SLOT_BYTES + 8) <= 0) {
          continue;
        }
        if (pass == 0 && ProcessIdentity.isAlive(token)) {
          continue; // the first pass writes off dead holders' tasks only
        }
        if (decrement(i)) {
          return;
        }
      }
    }
  }

  private boolean decrement(int slot) {
    long at = slot * SLOT_BYTES + 8;
    while (true) {
      long n = (long) LONG.getVolatile(mem, at);
      if (n <= 0) {
        return false;
      }
      if (LONG.compareAndSet(mem, at, n, n - 1)) {
        return true;
      }
    }
  }

  /**
   * Returns the first dead process found holding unfinished tasks, or null. The token is read again
   * after the count, and the count is the dead process's only if the token did not change around
   * it: a live process that claims a slot a finished process left (count 0) and counts a task in it
   * must not read as that process dying with a task (a dead token never comes back).
   */
  @org.jspecify.annotations.Nullable
  DeadHolder deadHolder() {
    for (int i = 0; i < SLOTS; i++) {
      long at = i * SLOT_BYTES;
      long token = (long) LONG.getVolatile(mem, at);
      if (token == 0) {
        continue;
      }
      long n = (long) LONG.getVolatile(mem, at + 8);
      if (n > 0 && (long) LONG.getVolatile(mem, at) == token && !ProcessIdentity.isAlive(token)) {
        return new DeadHolder(ProcessIdentity.pidOf(token), n);
      }
    }
    return null;
  }

  /** Returns this JVM's slot, claiming one if needed; -1 if none is free. */
  private synchronized int slot() {
    if (mine >= 0) {
      return mine;
    }
    long me = ProcessIdentity.selfToken();
    for (int i = 0; i < SLOTS; i++) {
      long at = i * SLOT_BYTES;
      long token = (long) LONG.getVolatile(mem, at);
      if (token == me) {
        mine = i;
        return i;
      }
      boolean reusable =
          token == 0
              || ((long) LONG.getVolatile(mem, at + 8) == 0 && !ProcessIdentity.isAlive(token));
      if (reusable && LONG.compareAndSet(mem, at, token, me)) {
        mine = i;
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "TaskTable[" + segment.name() + "]";
  }
}
