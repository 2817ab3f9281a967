/**
 * Launching child JVMs: the command line, the control channel over a UNIX-domain socket, the child
 * bootstrap ({@link org.multiprocessing4j.internal.spawn.ChildMain}), output pumping, exit codes,
 * and what happens to children when their parent exits or dies.
 */
@NullMarked
package org.multiprocessing4j.internal.spawn;

import org.jspecify.annotations.NullMarked;
