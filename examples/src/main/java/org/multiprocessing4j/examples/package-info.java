/**
 * The tutorial's scenarios as small runnable programs, each of which checks what it shows.
 *
 * <p>Every scenario of {@code SCENARIOS.md} is a subclass of {@link
 * org.multiprocessing4j.examples.Scenario}: it runs the tutorial's program translated to Java,
 * prints what that program prints, and returns an {@link org.multiprocessing4j.examples.Outcome}
 * judged from what really happened. {@link org.multiprocessing4j.examples.Scenarios} lists them in
 * the tutorial's order; the {@code mp4j demo} and {@code mp4j tour} commands run them, and every
 * scenario class also has a {@code main} method of its own.
 */
@NullMarked
package org.multiprocessing4j.examples;

import org.jspecify.annotations.NullMarked;
