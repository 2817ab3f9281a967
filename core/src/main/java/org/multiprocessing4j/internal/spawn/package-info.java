/**
 * Launching child JVMs: the command line, the control channel (the child's standard input and a
 * FIFO), the child bootstrap ({@link org.multiprocessing4j.internal.spawn.ChildMain}), output
 * pumping, exit codes, and what happens to children when their parent exits or dies.
 */
@NullMarked
package org.multiprocessing4j.internal.spawn;

import org.jspecify.annotations.NullMarked;
