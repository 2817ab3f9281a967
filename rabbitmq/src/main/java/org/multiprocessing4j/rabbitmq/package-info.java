/**
 * The distributed backend of multiprocessing4j: the same queues as the local context, kept in a
 * RabbitMQ broker, so that producers and consumers may run in processes on different hosts.
 *
 * <p>Start with {@link org.multiprocessing4j.rabbitmq.RabbitContext#builder()}. Every message is
 * signed with a key shared by the processes (Python's {@code authkey}) and checked before anything
 * in it is deserialized. {@code docs/rabbitmq.md} explains how to run a broker, the guarantees and
 * where the behaviour differs from the local backend.
 */
@NullMarked
package org.multiprocessing4j.rabbitmq;

import org.jspecify.annotations.NullMarked;
