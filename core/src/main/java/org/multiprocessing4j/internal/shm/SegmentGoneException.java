package org.multiprocessing4j.internal.shm;

import java.io.Serial;

/**
 * Thrown when attaching to a shared-memory file that is gone: the context that owned it was closed,
 * or its process ended.
 */
public final class SegmentGoneException extends IllegalStateException {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Says why {@code name} is gone.
   *
   * @param name the file
   * @param why the reason, lower case, without a final period
   */
  public SegmentGoneException(String name, String why) {
    super(
        "cannot attach to shared memory "
            + name
            + ": "
            + why
            + ". It belongs to the context that created it, and is removed when that context is"
            + " closed or its process ends; keep the creating context open while other processes"
            + " use it.");
  }
}
