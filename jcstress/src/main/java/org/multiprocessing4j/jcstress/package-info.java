/**
 * jcstress tests of the memory ordering of the shared-memory fast paths: the robust lock's acquire
 * and release, the futex event count's wait and signal, shared counters' atomic updates and the
 * ring buffer's publication of a record. Each test runs the real class over a slice of one mapped
 * {@code /dev/shm} file ({@link org.multiprocessing4j.jcstress.SharedSlices}); the threads of one
 * JVM stand for processes, since the accesses and fences are the same instructions on the same
 * memory. How to run them: {@code docs/jcstress.md}.
 */
@NullMarked
package org.multiprocessing4j.jcstress;

import org.jspecify.annotations.NullMarked;
