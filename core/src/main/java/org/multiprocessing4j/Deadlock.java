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
