/**
 * The pools behind {@code ProcessPoolExecutor} and {@code ThreadPool}: dispatch of tasks and chunks
 * to workers, the worker loop that runs in each worker JVM, the wire format between them, worker
 * death and replacement, and the lazy, bounded map iterator both pools share.
 *
 * <p>The engine class {@link org.multiprocessing4j.internal.pool.ProcessPoolEngine} opens with its
 * design notes: states, data flow, threads and the lock.
 */
@NullMarked
package org.multiprocessing4j.internal.pool;

import org.jspecify.annotations.NullMarked;
