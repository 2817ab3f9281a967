package org.multiprocessing4j.internal.pool;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The future of a pool task: a {@link CompletableFuture} whose {@link #cancel(boolean)} tells the
 * pool, so that a task not yet started never runs and {@code cancel(true)} stops a running one.
 *
 * <p>Dependent futures ({@code thenApply} and the like) are plain {@code CompletableFuture}s:
 * cancelling one of them does not reach the task.
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

  private volatile @Nullable CancelHook hook;

  /** Creates an incomplete future; the pool sets its hook before handing it out. */
  public TaskFuture() {}

  /** Sets what cancellation does. Call before the future is published. */
  public void onCancel(CancelHook hook) {
    this.hook = hook;
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
