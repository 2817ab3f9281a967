package org.multiprocessing4j.internal.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** Runs chunks of one map's items with its function on a pool; made by {@link PoolEngine}. */
public interface ChunkRunner {

  /**
   * Submits a chunk. The future completes normally with the chunk's outcome (which may hold an
   * item's failure), or exceptionally when the whole chunk failed (its worker died, it timed out,
   * the pool broke) or was cancelled.
   *
   * @throws org.multiprocessing4j.UnserializableValueException if an item cannot be serialized;
   *     nothing was submitted
   * @throws java.util.concurrent.RejectedExecutionException if the pool no longer accepts work
   */
  CompletableFuture<ChunkOutcome> run(List<@Nullable Object> items);

  /** Releases what the map holds in the workers (its function). Idempotent. */
  void close();
}
