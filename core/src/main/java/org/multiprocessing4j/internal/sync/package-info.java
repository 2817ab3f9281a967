/**
 * Blocking across processes without burning CPU: event counts on futex words in shared memory (spin
 * briefly, then {@code FUTEX_WAIT}), a portable parking fallback, and a lock that survives the
 * death of its holder.
 */
@NullMarked
package org.multiprocessing4j.internal.sync;

import org.jspecify.annotations.NullMarked;
