/**
 * Benchmarks: whole-process runs that put a peer (Python's {@code multiprocessing}, a bare JVM) in
 * the same run and report ratios, and JMH micro-benchmarks of in-process costs. Results and the
 * commands that reproduce them are in {@code docs/benchmarks.md}.
 */
@NullMarked
package org.multiprocessing4j.bench;

import org.jspecify.annotations.NullMarked;
