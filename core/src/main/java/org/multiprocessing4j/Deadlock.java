package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A cycle of threads, in one or more processes, each waiting for a {@link ProcessLock} that the
 * next one holds (the last waits for a lock the first holds): none of them can ever proceed.
 *
 * <p>Found by {@link MultiprocessingContext#findDeadlocks()}, and carried by {@link
 * ProcessDeadlockException}. Its string form reads as a report:
 *
 * <pre>
 * pid 4101 thread "main" (1) holds ProcessLock#2 and waits for ProcessLock#1
 *   -&gt; pid 4102 thread "main" (1) holds ProcessLock#1 and waits for ProcessLock#2
 * </pre>
 *
 * <h2>What is covered</h2>
 *
 * <ul>
 *   <li>Cycles of any length, through {@link ProcessLock}s and {@link ReentrantProcessLock}s (held
 *       once or more), between threads of one process or of many, including one thread waiting for
 *       a non-reentrant lock it holds itself (a cycle of one).
 *   <li>A thread woken in {@link ProcessCondition#await()} that must take its lock again waits for
 *       that lock like any other thread, so a cycle through that wait is found. If the detector
 *       picks that thread, its {@code await} throws {@link ProcessDeadlockException} without the
 *       lock held (its {@code finally} that unlocks then throws {@link
 *       IllegalMonitorStateException}).
 *   <li>Cycles through locks of several contexts: each context publishes its waits in its own
 *       shared memory, and a search follows a wait into the tables of the other contexts that its
 *       process has created or received objects of. Every thread of a cycle through two contexts
 *       has both (it holds a lock of one and waits for one of the other), so such a cycle is found
 *       by {@link MultiprocessingContext#findDeadlocks()} of either context, and the detector acts
 *       if it is on in the context of the lock the chosen thread waits for. Lock names then carry
 *       the context's file name ({@code ProcessLock#1 of mp4j-...}), since numbers are per context.
 * </ul>
 *
 * <h2>What is not</h2>
 *
 * <ul>
 *   <li>Waits that have no holder to point at: for a permit of a {@link ProcessSemaphore}, for a
 *       {@link ProcessCondition}'s signal, a {@link ProcessEvent}, a {@link ProcessBarrier}, a
 *       queue, or a child process to end. A thread holding a lock while it waits for one of these
 *       can be part of a real deadlock that is not reported; use timeouts there.
 *   <li>A cycle through three or more contexts where no one process has objects of all of them.
 *   <li>Waits shorter than the 50 ms after which a wait is published, and waits not published
 *       because the context's table of 256 waits was full.
 *   <li>Locks of other contexts, such as a RabbitMQ one.
 * </ul>
 *
 * @param waits the threads of the cycle, in order: each waits for a lock the next one holds, and
 *     the last for one the first holds
 */
public record Deadlock(List<Wait> waits) implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Checks and copies the cycle.
   *
   * @param waits the threads of the cycle; at least one
   * @throws IllegalArgumentException if {@code waits} is empty
   */
  public Deadlock {
    waits = List.copyOf(waits);
    if (waits.isEmpty()) {
      throw new IllegalArgumentException("a deadlock has at least one waiting thread");
    }
  }

  /**
   * One thread of a cycle, and the lock it waits for.
   *
   * @param pid the process the thread runs in
   * @param threadId the thread's {@link Thread#threadId()} in that process
   * @param threadName the thread's name when it started waiting, possibly shortened
   * @param waitsFor the lock it waits for, as that lock's {@code toString()} names it (for example
   *     {@code ProcessLock#3})
   */
  public record Wait(long pid, long threadId, String threadName, String waitsFor)
      implements Serializable {
    @Serial private static final long serialVersionUID = 1L;

    /**
     * Checks the fields.
     *
     * @param pid the process the thread runs in
     * @param threadId the thread's id in that process
     * @param threadName the thread's name
     * @param waitsFor the lock it waits for
     * @throws NullPointerException if a name is null
     */
    public Wait {
      Objects.requireNonNull(threadName, "threadName");
      Objects.requireNonNull(waitsFor, "waitsFor");
    }

    /**
     * Returns whether this entry is a thread of the calling JVM.
     *
     * @return true if {@link #pid()} is this JVM's pid
     */
    public boolean isInThisProcess() {
      return pid == ProcessHandle.current().pid();
    }
  }

  @Override
  public String toString() {
    int n = waits.size();
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(
            i -> {
              Wait w = waits.get(i);
              String held = waits.get((i + n - 1) % n).waitsFor();
              return "pid "
                  + w.pid()
                  + " thread \""
                  + w.threadName()
                  + "\" ("
                  + w.threadId()
                  + ") holds "
                  + held
                  + " and waits for "
                  + w.waitsFor();
            })
        .collect(Collectors.joining("\n  -> "));
  }
}
