package org.multiprocessing4j.internal.pool;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a chunk of map items produced: the results of its first items in order, and if an item
 * failed, that item's failure (the items after it did not run).
 *
 * @param results the results of items {@code 0 .. results.size() - 1}
 * @param failure the failure of item {@code results.size()}, or null if every item succeeded
 * @param runNanos how long the chunk ran in its worker, for sizing later chunks
 */
public record ChunkOutcome(
    List<@Nullable Object> results, @Nullable Throwable failure, long runNanos) {}
