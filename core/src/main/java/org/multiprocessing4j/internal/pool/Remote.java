package org.multiprocessing4j.internal.pool;

import org.multiprocessing4j.RemoteProcessException;
import org.multiprocessing4j.internal.codec.ThrowableInfo;

/** Turns a throwable read from a worker into a {@link RemoteProcessException} chain. */
final class Remote {
  private Remote() {}

  static RemoteProcessException exception(ThrowableInfo info) {
    ThrowableInfo cause = info.cause();
    return new RemoteProcessException(
        info.className(),
        info.message(),
        info.frames().toArray(new StackTraceElement[0]),
        cause == null ? null : exception(cause));
  }
}
