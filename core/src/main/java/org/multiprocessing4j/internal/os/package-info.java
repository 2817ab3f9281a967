/** Calls into the operating system through the FFM API, with portable fallbacks. */
@NullMarked
package org.multiprocessing4j.internal.os;

import org.jspecify.annotations.NullMarked;
