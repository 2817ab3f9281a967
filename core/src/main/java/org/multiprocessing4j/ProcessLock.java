package org.multiprocessing4j;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * A mutual-exclusion lock shared by threads of many processes: Python's {@code
 * multiprocessing.Lock}, as a {@link Lock}, that survives the death of its holder.
 *
 * <p>Create one with a context ({@link MultiprocessingContext#lock()}) and hand it to child
 * processes by capturing it in their target or passing it as an argument: the copy that arrives in
 * the child is the same lock. At most one thread, of one process, holds it at a time; the holder is
 * a thread (not a process), so threads of one process exclude each other too, and only the holding
 * thread may release it.
 *
 * <pre>{@code
 * ProcessLock lock = Multiprocessing.local().lock();
 * new JvmProcess(() -> {
 *   try (Held held = lock.hold()) {       // with lock:
 *     if (held.ownerDied()) {
 *       repairSharedState();              // the previous holder was killed mid-update
 *       lock.markConsistent();
 *     }
 *     updateSharedState();
 *   }
 * }).start();
 * }</pre>
 *
 * <h2>Methods</h2>
 *
 * <table class="striped">
 *   <caption>Acquiring, by what happens when the lock is held elsewhere</caption>
 *   <thead>
 *     <tr><th>Java</th><th>Python</th><th>When held elsewhere</th><th>On interrupt</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>{@link #lock()}, {@link #hold()}</td><td>{@code with lock:}</td><td>blocks</td>
 *         <td>keeps waiting; the interrupt status is set again on return</td></tr>
 *     <tr><td>{@link #lockInterruptibly()}, {@link #acquire()}</td><td>{@code acquire()}</td>
 *         <td>blocks</td><td>throws {@link InterruptedException}</td></tr>
 *     <tr><td>{@link #tryLock()}, {@link #acquire(boolean) acquire(false)}</td>
 *         <td>{@code acquire(False)}</td><td>returns false at once</td><td>-</td></tr>
 *     <tr><td>{@link #tryLock(long, TimeUnit)}, {@link #acquire(Duration)}</td>
 *         <td>{@code acquire(timeout=t)}</td><td>returns false after the timeout</td>
 *         <td>throws {@link InterruptedException}</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>Waiting costs no CPU after a few microseconds of spinning: a waiter sleeps on a futex word in
 * shared memory, and is woken by the release, in whichever process it happens. The lock is not
 * fair: a releasing thread may take it again before a woken waiter runs. A thread that calls {@link
 * #lock()} while it already holds a (non-reentrant) {@code ProcessLock} waits forever, as in Python
 * (a {@link ReentrantProcessLock} counts holds instead); the deadlock detector of the context
 * ({@link MultiprocessingContext#setDeadlockDetection(boolean)}) reports that as a cycle of one.
 *
 * <h2>When the holder dies</h2>
 *
 * If the process holding the lock ends without releasing it (killed with {@code SIGKILL}, crashed,
 * or simply returned), the lock is not lost, as it is with Python's: a waiting thread, or the next
 * one to call a blocking acquire method, notices within about 100 milliseconds that the holder's
 * process is gone (pid reuse cannot fool it) and takes the lock over. The lock then enters the
 * <em>owner-died</em> state, modelled on a POSIX robust mutex's {@code EOWNERDEAD}: {@link
 * #ownerDied()} returns true (and {@link Held#ownerDied()} for a hold), telling the new holder that
 * the data the lock protects may be half-updated. The state stays until a holder calls {@link
 * #markConsistent()} once it has checked or repaired that data, so a holder that does not handle it
 * (or dies too) passes the news on to the next. A holder that is alive but stuck (stopped, in a
 * long pause) is waited for: the lock is never taken from a live process. A thread that ends while
 * holding the lock in a process that lives on keeps it held, as with {@link
 * java.util.concurrent.locks.ReentrantLock}. The non-blocking {@link #tryLock()} does not check the
 * holder's health and returns false while a dead holder's claim stands.
 *
 * <h2>Lifetime</h2>
 *
 * The lock lives in shared memory owned by the context that created it; it works in every process
 * until that context is closed (for {@link Multiprocessing#local()}, until the creating JVM ends).
 * A child that receives the lock after that fails to attach with an {@link IllegalStateException};
 * processes already using it keep a working lock among themselves.
 *
 * <p>Memory consistency effects: actions in a thread, in any process, before it releases the lock
 * happen-before actions after a later successful acquire of the same lock in any thread of any
 * process, for memory shared between them (such as {@link SharedMemory} or {@link SharedLong}).
 */
public interface ProcessLock extends Lock {

  /**
   * Acquires the lock, waiting as long as it takes; Python's {@code with lock:} entry.
   *
   * <p>Blocks until the lock is free or its holder's process has died (then the lock is in the
   * owner-died state: see {@link #ownerDied()}). An interrupt does not end the wait; the thread's
   * interrupt status is set again when this returns.
   *
   * <p>Memory consistency effects: see the class description.
   *
   * @throws ProcessDeadlockException if deadlock detection is on for the context that created the
   *     lock, and this thread was chosen to break a cycle of waiting threads; the lock is not held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  @Override
  void lock();

  /**
   * Acquires the lock unless the thread is interrupted.
   *
   * <p>Blocks until the lock is free or its holder's process has died.
   *
   * @throws InterruptedException if the thread is interrupted on entry or while waiting (seen
   *     within 50 ms); the lock is not held and the interrupt status is cleared
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  @Override
  void lockInterruptibly() throws InterruptedException;

  /**
   * Acquires the lock if it is free now; Python's {@code acquire(False)}.
   *
   * <p>Never blocks. A lock whose holder died counts as held until a blocking acquire takes it
   * over.
   *
   * @return true if the lock was acquired
   * @throws IllegalStateException if the context that created the lock is closed
   */
  @Override
  boolean tryLock();

  /**
   * Acquires the lock if it becomes free within the timeout.
   *
   * <p>Blocks until the lock is free, its holder's process has died, or the timeout elapses.
   *
   * @param time the longest wait; zero or negative tries once without waiting
   * @param unit the unit of {@code time}
   * @return true if the lock was acquired, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is not held
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  @Override
  boolean tryLock(long time, TimeUnit unit) throws InterruptedException;

  /**
   * Releases the lock, waking a thread that waits for it in any process; Python's {@code
   * release()}.
   *
   * <p>Never blocks. A lock in the owner-died state stays in it (see {@link #markConsistent()}).
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock (Python
   *     raises {@code ValueError} or {@code RuntimeError}); nothing changes
   * @throws IllegalStateException if the context that created the lock is closed
   */
  @Override
  void unlock();

  /**
   * Returns a new condition bound to this lock, usable in every process that has the lock.
   *
   * @return a new {@link ProcessCondition} whose {@code await} releases this lock while waiting
   * @throws IllegalStateException if the context that created the lock is closed, or its shared
   *     memory for synchronisation objects is used up
   */
  @Override
  ProcessCondition newCondition();

  /**
   * Acquires the lock, waiting as long as it takes; Python's {@code acquire()}.
   *
   * <p>Blocks like {@link #lockInterruptibly()}.
   *
   * @return true
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is not held
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  default boolean acquire() throws InterruptedException {
    lockInterruptibly();
    return true;
  }

  /**
   * Acquires the lock, waiting for it only if {@code block} is true; Python's {@code
   * acquire(block)}.
   *
   * @param block whether to wait for the lock as {@link #acquire()} does; if false, behaves as
   *     {@link #tryLock()}
   * @return true if the lock was acquired
   * @throws InterruptedException if {@code block} is true and the thread is interrupted on entry or
   *     while waiting; the lock is not held
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  default boolean acquire(boolean block) throws InterruptedException {
    return block ? acquire() : tryLock();
  }

  /**
   * Acquires the lock if it becomes free within {@code timeout}; Python's {@code
   * acquire(timeout=t)}.
   *
   * @param timeout the longest wait; zero or negative tries once without waiting
   * @return true if the lock was acquired, false if the timeout elapsed first
   * @throws InterruptedException if the thread is interrupted on entry or while waiting; the lock
   *     is not held
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  default boolean acquire(Duration timeout) throws InterruptedException {
    return tryLock(Durations.toNanos(timeout), TimeUnit.NANOSECONDS);
  }

  /**
   * Releases the lock; Python's {@code release()}. The same as {@link #unlock()}.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the lock is closed
   */
  default void release() {
    unlock();
  }

  /**
   * Acquires the lock as {@link #lock()} does and returns a hold whose {@link Held#close()}
   * releases it, for try-with-resources: Python's {@code with lock:}.
   *
   * <pre>{@code
   * try (var _ = lock.hold()) {
   *   ...                                  // the lock is held here, by this thread
   * }                                      // and released here
   * }</pre>
   *
   * <p>(Name the hold {@code _} when the block does not use it: javac's {@code -Xlint:try} warns
   * about a named resource that the block never mentions.)
   *
   * @return the hold; {@link Held#ownerDied()} tells whether the lock was in the owner-died state
   *     when it was acquired
   * @throws ProcessDeadlockException if this thread was chosen to break a deadlock; the lock is not
   *     held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  Held hold();

  /**
   * Returns whether the lock is in the owner-died state: a process died while holding it, and no
   * holder has called {@link #markConsistent()} since.
   *
   * <p>Meaningful to the holder, which calls it after acquiring to learn whether the data the lock
   * protects may have been left half-updated; other threads may see it change at any time.
   *
   * @return true if a holder died and the protected data has not been declared consistent
   * @throws IllegalStateException if the context that created the lock is closed
   */
  boolean ownerDied();

  /**
   * Declares the data the lock protects consistent again, ending the owner-died state; POSIX's
   * {@code pthread_mutex_consistent}. Does nothing if the lock is not in that state.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the context that created the lock is closed
   */
  void markConsistent();

  /**
   * Returns whether some thread of some process holds the lock (a dead process's claim counts until
   * it is taken over). For monitoring, not for synchronisation.
   *
   * @return true if the lock is held
   * @throws IllegalStateException if the context that created the lock is closed
   */
  boolean isLocked();

  /**
   * Returns whether the calling thread holds the lock.
   *
   * @return true if this thread of this process holds it
   * @throws IllegalStateException if the context that created the lock is closed
   */
  boolean isHeldByCurrentThread();
}
