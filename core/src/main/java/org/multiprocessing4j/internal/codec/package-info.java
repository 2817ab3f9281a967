/**
 * How values cross between processes: Java serialization with diagnostics that name what could not
 * be serialized, and throwables reduced to plain data.
 */
@NullMarked
package org.multiprocessing4j.internal.codec;

import org.jspecify.annotations.NullMarked;
