package org.multiprocessing4j;

/**
 * Receives the progress of a map ({@link PoolExecutor#map(TaskFunction, Iterable, MapOptions)},
 * {@code imap}, {@code imapUnordered}) set with {@link MapOptions#progress(ProgressListener)}: how
 * many items are done, of how many, and at what rate.
 *
 * <h2>Threads</h2>
 *
 * Listeners are called by one daemon thread of this JVM, named {@value #THREAD_NAME}, shared by all
 * maps: never by a worker, a pool thread or the thread iterating the results, so a slow listener
 * neither stalls the workers nor delays results. Calls for one map never overlap and see the counts
 * grow; a slow listener only delays its next call (and those of other maps' listeners), and reports
 * that fall due meanwhile are merged into one. A listener therefore needs no locking of its own,
 * but it should return quickly.
 *
 * <h2>When it is called</h2>
 *
 * At most once per {@link MapOptions#progressInterval(java.time.Duration) interval} (200 ms by
 * default) while the count changes, and then exactly once with {@link Progress#finished()} true,
 * when the map ends: every item is done, the map failed, or its iterator was closed. A listener
 * that throws is not called again for that map; its exception is printed to standard error. A map
 * over an endless input is reported until its iterator is closed: close it (try-with-resources).
 */
@FunctionalInterface
public interface ProgressListener {

  /** The name of the thread that calls listeners. */
  String THREAD_NAME = "mp4j-progress";

  /**
   * Called with the progress of a map so far.
   *
   * @param progress done, total, rate and elapsed time at the moment of the call
   */
  void onProgress(Progress progress);
}
