/**
 * The local (one host) implementations of the queue types: views over a shared-memory ring with the
 * value codec around it, and their serialized form (the queue's name).
 */
@NullMarked
package org.multiprocessing4j.internal.queue;

import org.jspecify.annotations.NullMarked;
