/** The RabbitMQ backend's implementation: connections, signed envelopes, queues. Not an API. */
@NullMarked
package org.multiprocessing4j.rabbitmq.internal;

import org.jspecify.annotations.NullMarked;
