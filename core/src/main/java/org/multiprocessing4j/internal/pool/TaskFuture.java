package org.multiprocessing4j.internal.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The future of a pool task: a {@link CompletableFuture} whose {@link #cancel(boolean)} tells the
 * pool, so that a task not yet started never runs and {@code cancel(true)} stops a running one.
 *
 * <p>Dependent futures ({@code thenApply} and the like) are plain {@code CompletableFuture}s:
 * cancelling one of them does not reach the task.
 *
 * <p>A pool whose results arrive on a thread that must not run user code (a distributed pool: the
 * broker client's consumer thread, which a callback waiting for another result would block) can
 * make its futures {@linkplain #TaskFuture(boolean) hand their outcome off}: {@link #handOff} gives
 * the outcome to a thread blocked in {@link #get()}, {@link #get(long, TimeUnit)} or {@link
 * #join()}, which completes the future itself (running its dependents) and returns; the caller of
 * {@code handOff} never completes it and runs no dependent. That waiter was to be woken anyway, so
 * the hand-off costs no thread wake-up of its own, where completing on another thread would wake
 * that thread and then the waiter.
 *
 * @param <T> the result's type
 */
public final class TaskFuture<T extends @Nullable Object> extends CompletableFuture<T> {

  /** What the pool does when a future is cancelled. */
  @FunctionalInterface
  public interface CancelHook {
    /**
     * Called once, after the future became cancelled.
     *
     * @param mayInterruptIfRunning the argument given to {@code cancel}
     */
    void cancelled(boolean mayInterruptIfRunning);
  }

  /*
   * The hand-off
   *
   * slot is null, or the one thread waiting for a hand-off (a Thread), or the outcome handed to
   * it (a Handed). A waiter takes the slot by CAS null -> itself, then parks until the slot holds
   * an outcome or the future is done (completed elsewhere: cancelled, or by the pool's other path;
   * a whenComplete registered once per future unparks it). It leaves by CAS itself -> null; if
   * that fails, an outcome was handed to it, and it completes the future with it before leaving,
   * whatever made it leave (a timeout, an interrupt), so that an outcome is never lost. handOff
   * succeeds only by CAS waiter -> outcome, so exactly one of the waiter and the pool's other path
   * completes the future. A second waiting thread finds the slot taken and waits as
   * CompletableFuture does; the first completes the future and so wakes it.
   */

  private static final VarHandle SLOT;

  static {
    try {
      SLOT = MethodHandles.lookup().findVarHandle(TaskFuture.class, "slot", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** An outcome handed to a waiter, and what to run after completing with it. */
  private record Handed(@Nullable Object value, @Nullable Throwable failure, Runnable then) {}

  private final boolean handsOff;
  private volatile @Nullable Object slot;
  private volatile boolean watched; // a whenComplete unparks the waiter when done elsewhere

  private volatile @Nullable CancelHook hook;

  /** Creates an incomplete future; the pool sets its hook before handing it out. */
  public TaskFuture() {
    this(false);
  }

  /**
   * Creates an incomplete future.
   *
   * @param handsOff whether the pool completes it through {@link #handOff} when a thread waits for
   *     it (then {@code get} and {@code join} wait for a hand-off)
   */
  public TaskFuture(boolean handsOff) {
    this.handsOff = handsOff;
  }

  /** Sets what cancellation does. Call before the future is published. */
  public void onCancel(CancelHook hook) {
    this.hook = hook;
  }

  /**
   * Gives the outcome to a thread blocked in {@code get} or {@code join}, if one is, which
   * completes this future with it (the value, or the failure if not null), then runs {@code then}.
   * The calling thread runs no dependent.
   *
   * @return true if a waiter took the outcome; false if none waits (or this future was not made to
   *     hand off), and the caller must complete it some other way
   */
  public boolean handOff(@Nullable T value, @Nullable Throwable failure, Runnable then) {
    if (!handsOff) {
      return false;
    }
    Object s = slot;
    if (s instanceof Thread waiter
        && SLOT.compareAndSet(this, s, new Handed(value, failure, then))) {
      LockSupport.unpark(waiter);
      return true;
    }
    return false;
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    if (handsOff && !isDone()) {
      await(true, false, 0);
    }
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    long nanos = unit.toNanos(timeout);
    if (handsOff && !isDone() && nanos > 0) {
      nanos = await(true, true, nanos);
    }
    return super.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  @Override
  public T join() {
    if (handsOff && !isDone()) {
      try {
        await(false, false, 0);
      } catch (InterruptedException e) {
        throw new AssertionError(e); // not thrown when not interruptible
      }
    }
    return super.join();
  }

  /**
   * Waits until an outcome is handed to this thread (then completes the future with it) or the
   * future is done, or the time is up, or (if interruptible) an interrupt; a thread that finds
   * another waiting returns at once. Returns the nanoseconds left of a timed wait.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the watcher's own future matters to no one
  private long await(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
    Thread me = Thread.currentThread();
    if (!SLOT.compareAndSet(this, null, me)) {
      return nanos; // another thread waits for the hand-off
    }
    if (!watched) {
      watched = true;
      // Done some other way (cancelled, completed by the pool's other path): wake the waiter.
      // Runs in the completing thread; it only unparks.
      super.whenComplete(
          (v, e) -> {
            if (slot instanceof Thread t) {
              LockSupport.unpark(t);
            }
          });
    }
    long deadline = timed ? System.nanoTime() + nanos : 0;
    long left = nanos;
    boolean interrupted = false;
    try {
      while (!(slot instanceof Handed) && !isDone()) {
        if (timed) {
          left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          LockSupport.parkNanos(this, left);
        } else {
          LockSupport.park(this);
        }
        if (Thread.interrupted()) {
          interrupted = true;
          if (interruptible) {
            break;
          }
        }
      }
    } finally {
      if (!SLOT.compareAndSet(this, me, null)) {
        completeHanded(); // handed to this thread meanwhile: it must not be lost
      }
      if (interrupted && !interruptible) {
        me.interrupt();
      }
    }
    if (interrupted && !isDone()) {
      throw new InterruptedException();
    }
    if (interrupted) {
      me.interrupt(); // done after all: get() returns the outcome, the interrupt stays pending
    }
    return timed ? Math.max(0, deadline - System.nanoTime()) : 0;
  }

  @SuppressWarnings("unchecked")
  private void completeHanded() {
    Handed h = (Handed) SLOT.getAndSet(this, null);
    try {
      Throwable failure = h.failure();
      if (failure != null) {
        completeExceptionally(failure);
      } else {
        complete((T) h.value());
      }
    } finally {
      h.then().run();
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean wasDone = isDone();
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    CancelHook h = hook;
    if (cancelled && !wasDone && h != null) {
      h.cancelled(mayInterruptIfRunning);
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
