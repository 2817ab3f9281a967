package org.multiprocessing4j.internal.sync;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Deadlock;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * Who waits for which lock, published in a heap's shared memory so that a cycle of waits spanning
 * processes can be found: the wait-for graph of the deadlock detector.
 *
 * <pre>
 *   wait table: {@link #SLOTS} slots of 64 bytes
 *   +0   long  process token of the waiting thread (0 = free slot; claimed by compareAndSet)
 *   +8   long  thread id
 *   +16  long  offset of the lock waited for (0 = not waiting yet); written last (release)
 *   +24  int   wait sequence number (tells two waits of one thread apart)
 *   +28  int   length of the thread name
 *   +32  32 bytes of the thread name, UTF-8, shortened
 * </pre>
 *
 * <h2>Design</h2>
 *
 * A thread publishes its wait only after it has waited one slice (see {@link ShmLock}), so short
 * waits cost nothing here. The edges "lock L is held by thread T" are read from the locks
 * themselves (owner token and owner thread words). A search starts at a waiting thread, follows
 * "waits for L" → "L held by T" → "T waits for L'" ..., and has found a cycle when it returns to
 * its start.
 *
 * <h2>Several contexts</h2>
 *
 * Each context's heap has its own table, and a lock's offset means something only in its heap. A
 * member of a path is therefore a wait found in some table (its {@code graph}); when the holder of
 * a lock has no wait published in this table, the search looks in the tables of the other heaps
 * this process has mapped. So a cycle through locks of two contexts is found by any of its threads
 * whose process has mapped both (every thread of such a cycle has: it holds a lock of one and waits
 * for a lock of the other); a longer cycle through contexts that no one process has all mapped is
 * not.
 *
 * <h2>Concurrency</h2>
 *
 * The words are read one at a time while others change them, so one search can see a cycle that
 * never existed (a holder that has just acquired, whose stale wait is still published). Threads in
 * a real deadlock never move, so {@link ShmLock} acts only on a cycle seen twice, a slice apart,
 * with the same wait sequence numbers. Every member of a cycle searches; only the one chosen by
 * {@link #victim} acts, so that exactly one thread of a cycle gives up.
 *
 * <h2>Failure</h2>
 *
 * A process killed while waiting leaves its slot claimed; it is reclaimed when the table has no
 * free slot left (its owner checked dead first). A wait that finds no slot is simply not published:
 * it cannot be part of a detected cycle.
 */
final class WaitGraph {

  static final int SLOTS = 256;
  static final int SLOT_BYTES = 64;
  static final long TABLE_BYTES = (long) SLOTS * SLOT_BYTES;

  private static final long TOKEN = 0;
  private static final long THREAD = 8;
  private static final long LOCK = 16;
  private static final long SEQUENCE = 24;
  private static final long NAME_LENGTH = 28;
  private static final long NAME = 32;
  private static final int NAME_BYTES = 32;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
  private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

  private final SyncHeap heap;
  private final MemorySegment memory;

  WaitGraph(SyncHeap heap) {
    this.heap = heap;
    this.memory = heap.memory();
  }

  /** One published wait; {@link #close()} withdraws it. */
  final class Registration implements AutoCloseable {
    final int slot;
    final long token;
    final long threadId;
    final int sequence;

    Registration(int slot, long token, long threadId, int sequence) {
      this.slot = slot;
      this.token = token;
      this.threadId = threadId;
      this.sequence = sequence;
    }

    WaitGraph graph() {
      return WaitGraph.this;
    }

    @Override
    public void close() {
      long at = slotOffset(slot);
      LONG.setRelease(memory, at + LOCK, 0L);
      LONG.compareAndSet(memory, at + TOKEN, token, 0L);
    }
  }

  /** One member of a cycle as found in the table. */
  record Member(
      WaitGraph graph,
      long token,
      long threadId,
      int sequence,
      String threadName,
      long lockOffset) {}

  private static long slotOffset(int slot) {
    return SyncHeap.WAIT_TABLE_OFFSET + (long) slot * SLOT_BYTES;
  }

  /**
   * Publishes that the calling thread waits for the lock at {@code lockOffset}.
   *
   * @return the registration, or null if the table is full
   */
  @Nullable Registration register(long lockOffset) {
    long me = ProcessIdentity.selfToken();
    int slot = claim(me);
    if (slot < 0) {
      return null;
    }
    long at = slotOffset(slot);
    Thread t = Thread.currentThread();
    byte[] name = shortName(t.getName());
    MemorySegment.copy(name, 0, memory, ValueLayout.JAVA_BYTE, at + NAME, name.length);
    INT.setRelease(memory, at + NAME_LENGTH, name.length);
    int sequence = heap.nextWaitSequence();
    INT.setRelease(memory, at + SEQUENCE, sequence);
    LONG.setRelease(memory, at + THREAD, t.threadId());
    LONG.setRelease(memory, at + LOCK, lockOffset);
    return new Registration(slot, me, t.threadId(), sequence);
  }

  private int claim(long me) {
    for (int i = 0; i < SLOTS; i++) {
      long at = slotOffset(i);
      if ((long) LONG.getVolatile(memory, at + TOKEN) == 0
          && LONG.compareAndSet(memory, at + TOKEN, 0L, me)) {
        return i;
      }
    }
    for (int i = 0; i < SLOTS; i++) { // full: reclaim the slots of dead processes
      long at = slotOffset(i);
      long t = (long) LONG.getVolatile(memory, at + TOKEN);
      if (t != 0 && t != me && !ProcessIdentity.isAlive(t)) {
        LONG.setRelease(memory, at + LOCK, 0L);
        if (LONG.compareAndSet(memory, at + TOKEN, t, me)) {
          return i;
        }
      }
    }
    return -1;
  }

  private static byte[] shortName(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    if (b.length <= NAME_BYTES) {
      return b;
    }
    int n = NAME_BYTES;
    while (n > 0 && (b[n] & 0xC0) == 0x80) { // do not cut a character in two
      n--;
    }
    byte[] cut = new byte[n];
    System.arraycopy(b, 0, cut, 0, n);
    return cut;
  }

  /** Returns the cycle of waits that starts with {@code r}'s wait and comes back to it, or null. */
  @Nullable List<Member> cycleThrough(Registration r) {
    Member first = read(r.slot);
    if (first == null || first.token != r.token || first.threadId != r.threadId) {
      return null;
    }
    return cycleFrom(first);
  }

  private @Nullable List<Member> cycleFrom(Member first) {
    List<Member> path = new ArrayList<>();
    Member current = first;
    for (int steps = 0; steps <= SLOTS; steps++) {
      path.add(current);
      long lock = current.lockOffset;
      MemorySegment locks = current.graph.memory;
      if (lock < SyncHeap.FIRST_OBJECT || lock + LockLayout.LENGTH > locks.byteSize()) {
        return null;
      }
      long holder = (long) LONG.getVolatile(locks, lock + LockLayout.OWNER);
      long holderThread =
          LockLayout.threadOf((long) LONG.getAcquire(locks, lock + LockLayout.OWNER_THREAD));
      if (holder == 0 || holderThread == 0) {
        return null;
      }
      if (holder == first.token && holderThread == first.threadId) {
        return path;
      }
      for (Member m : path) {
        if (m.token == holder && m.threadId == holderThread) {
          return null; // a cycle that does not pass through the start: found from its members
        }
      }
      Member next = waitOf(holder, holderThread);
      if (next == null) {
        next = waitInOtherHeaps(holder, holderThread);
      }
      if (next == null) {
        return null;
      }
      current = next;
    }
    return null;
  }

  /** Looks for the thread's wait in the tables of the other heaps this process has mapped. */
  private @Nullable Member waitInOtherHeaps(long token, long threadId) {
    for (SyncHeap other : SyncHeap.known()) {
      if (other.waits() == this) {
        continue;
      }
      try {
        Member m = other.waits().waitOf(token, threadId);
        if (m != null) {
          return m;
        }
      } catch (IllegalStateException closed) {
        // Its context closed meanwhile: its locks are gone, and no cycle passes through them.
      }
    }
    return null;
  }

  private @Nullable Member waitOf(long token, long threadId) {
    for (int i = 0; i < SLOTS; i++) {
      long at = slotOffset(i);
      if ((long) LONG.getVolatile(memory, at + TOKEN) == token
          && (long) LONG.getAcquire(memory, at + THREAD) == threadId) {
        Member m = read(i);
        if (m != null && m.token == token && m.threadId == threadId) {
          return m;
        }
      }
    }
    return null;
  }

  private @Nullable Member read(int slot) {
    long at = slotOffset(slot);
    long token = (long) LONG.getVolatile(memory, at + TOKEN);
    long lock = (long) LONG.getAcquire(memory, at + LOCK);
    if (token == 0 || lock == 0) {
      return null;
    }
    long thread = (long) LONG.getAcquire(memory, at + THREAD);
    int sequence = (int) INT.getAcquire(memory, at + SEQUENCE);
    int length = Math.clamp((int) INT.getAcquire(memory, at + NAME_LENGTH), 0, NAME_BYTES);
    byte[] name = new byte[length];
    MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, at + NAME, name, 0, length);
    return new Member(
        this, token, thread, sequence, new String(name, StandardCharsets.UTF_8), lock);
  }

  /** Returns every cycle of waits in the table, each once. */
  List<Deadlock> findAll() {
    List<Deadlock> found = new ArrayList<>();
    Set<Set<List<Long>>> seen = new HashSet<>();
    for (int i = 0; i < SLOTS; i++) {
      Member m = read(i);
      if (m == null) {
        continue;
      }
      List<Member> cycle = cycleFrom(m);
      if (cycle != null && seen.add(identities(cycle))) {
        found.add(toDeadlock(cycle));
      }
    }
    return found;
  }

  /** Returns the members of a cycle as a set, to compare two sightings of it. */
  static Set<List<Long>> identities(List<Member> cycle) {
    Set<List<Long>> ids = new HashSet<>();
    for (Member m : cycle) {
      ids.add(
          List.of(m.token, m.threadId, (long) m.sequence, (long) m.graph.heap.name().hashCode()));
    }
    return ids;
  }

  /** Returns the member that gives up its wait to break the cycle: the same for every member. */
  static Member victim(List<Member> cycle) {
    return cycle.stream()
        .max(
            Comparator.comparingLong((Member m) -> ProcessIdentity.pidOf(m.token))
                .thenComparingLong(Member::threadId))
        .orElseThrow();
  }

  /** Converts a cycle found in the table to the API's report. */
  Deadlock toDeadlock(List<Member> cycle) {
    List<Deadlock.Wait> waits = new ArrayList<>();
    // Lock numbers are per context: name the heap too when the cycle spans several.
    boolean severalHeaps = cycle.stream().map(Member::graph).distinct().count() > 1;
    for (Member m : cycle) {
      waits.add(
          new Deadlock.Wait(
              ProcessIdentity.pidOf(m.token),
              m.threadId,
              m.threadName,
              m.graph.lockName(m.lockOffset) + (severalHeaps ? " of " + m.graph.heap.name() : "")));
    }
    return new Deadlock(waits);
  }

  private String lockName(long lockOffset) {
    int kind = (int) INT.getAcquire(memory, lockOffset + LockLayout.KIND);
    long number = (long) LONG.getAcquire(memory, lockOffset + LockLayout.NUMBER);
    return LockLayout.name(kind, number);
  }
}
