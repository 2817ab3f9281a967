/**
 * The multiprocessing4j API: child JVM processes with Python's {@code multiprocessing.Process}
 * semantics, and the context that creates them.
 */
@NullMarked
package org.multiprocessing4j;

import org.jspecify.annotations.NullMarked;
