/**
 * The {@code mp4j} command: {@code demo <id>} runs one scenario of the tutorial, {@code tour} runs
 * them all and prints a table of what each showed.
 */
@NullMarked
package org.multiprocessing4j.cli;

import org.jspecify.annotations.NullMarked;
