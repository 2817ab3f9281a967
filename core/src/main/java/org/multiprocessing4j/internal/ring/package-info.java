/**
 * Ring buffers of variable-length records over a shared {@link java.lang.foreign.MemorySegment},
 * used by several processes at once.
 */
@NullMarked
package org.multiprocessing4j.internal.ring;

import org.jspecify.annotations.NullMarked;
