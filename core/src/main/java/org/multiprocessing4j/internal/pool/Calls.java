package org.multiprocessing4j.internal.pool;

import java.io.Serial;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.TaskBiFunction;
import org.multiprocessing4j.TaskCallable;
import org.multiprocessing4j.TaskFunction;
import org.multiprocessing4j.TaskRunnable;

/** Serializable adapters that turn what users submit into the callables the pools run. */
public final class Calls {
  private Calls() {}

  /** Runs a runnable, then returns a fixed result. */
  public record RunnableCall<T extends @Nullable Object>(Runnable task, T result)
      implements TaskCallable<T> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public T call() throws Exception {
      if (task instanceof TaskRunnable t) {
        t.runTask(); // its checked exceptions are the task's failure as thrown
      } else {
        task.run();
      }
      return result;
    }
  }

  /** Calls a callable (which must itself be serializable to reach a worker process). */
  public record CallableCall<T>(Callable<T> task) implements TaskCallable<T> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public T call() throws Exception {
      return task.call();
    }
  }

  /** Applies a function to one argument. */
  public record FunctionCall<T, R>(TaskFunction<? super T, ? extends R> fn, T arg)
      implements TaskCallable<R> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    public R call() throws Exception {
      return fn.apply(arg);
    }
  }

  /** A pair of arguments, as starmap sends them. */
  public record Pair(@Nullable Object a, @Nullable Object b) implements java.io.Serializable {
    @Serial private static final long serialVersionUID = 1L;
  }

  /** Applies a two-argument function to a {@link Pair}. */
  public record Spread(TaskBiFunction<Object, Object, Object> fn)
      implements TaskFunction<Object, Object> {
    @Serial private static final long serialVersionUID = 1L;

    @Override
    @SuppressWarnings("NullAway") // Pair's parts may be null, as the user's pairs may hold nulls
    public Object apply(Object pair) throws Exception {
      Pair p = (Pair) pair;
      return fn.apply(p.a(), p.b());
    }
  }

  /** Returns the original task of an adapter, for shutdownNow's list and messages. */
  public static Runnable asRunnable(Object original) {
    if (original instanceof Runnable r) {
      return r;
    }
    return new Runnable() {
      @Override
      public void run() {
        try {
          ((Callable<?>) original).call();
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }

      @Override
      public String toString() {
        return "Runnable calling " + original;
      }
    };
  }
}
