/**
 * Named shared-memory segments: files in {@code /dev/shm} mapped into every process that uses them
 * with the FFM API, owned by the context that created them, removed when it closes or its process
 * ends, and swept when their owner died without removing them.
 */
@NullMarked
package org.multiprocessing4j.internal.shm;

import org.jspecify.annotations.NullMarked;
