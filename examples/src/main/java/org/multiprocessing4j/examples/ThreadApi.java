package org.multiprocessing4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The thread API (tutorial, threads section 7): current thread, names, liveness, the list and count
 * of running threads.
 *
 * <p>Python's names and their Java counterparts:
 *
 * <table>
 *   <caption>Python's threading API in Java</caption>
 *   <tr><th>Python</th><th>Java</th></tr>
 *   <tr><td>{@code threading.current_thread()}</td><td>{@link Thread#currentThread()}</td></tr>
 *   <tr><td>{@code t.is_alive()}</td><td>{@link Thread#isAlive()}</td></tr>
 *   <tr><td>{@code t.getName()}, {@code t.setName(n)}</td>
 *       <td>{@link Thread#getName()}, {@link Thread#setName(String)}</td></tr>
 *   <tr><td>{@code threading.enumerate()}</td>
 *       <td>{@link Thread#getAllStackTraces()}{@code .keySet()}: every live thread</td></tr>
 *   <tr><td>{@code threading.active_count()}</td>
 *       <td>{@link ThreadGroup#activeCount()}: live threads of one group (an estimate)</td></tr>
 * </table>
 *
 * <p>The three threads run in a thread group of their own, so that the group's active count is
 * theirs alone whatever else runs in the JVM. Each thread waits until the main thread has looked at
 * it, so every check sees the threads alive, and then again after they have ended.
 */
public final class ThreadApi extends Scenario {

  private static final int THREADS = 3;

  /** Creates the scenario. */
  public ThreadApi() {
    super(
        "thread-api",
        "线程 七",
        "Thread API: current, names, is-alive, enumerate, count",
        "3 threads started: each is alive and listed while running, the active count is 3, then 0"
            + " and none is listed after join");
  }

  @Override
  public Outcome run(PrintStream out) throws InterruptedException {
    out.println("main: current thread is '" + Thread.currentThread().getName() + "'");
    ThreadGroup group = new ThreadGroup("thread-api");
    CountDownLatch running = new CountDownLatch(THREADS);
    CountDownLatch mayEnd = new CountDownLatch(1);
    Map<String, Thread> seenByThemselves = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 1; i <= THREADS; i++) {
      String name = "Thread-" + i;
      Thread thread =
          new Thread(
              group,
              () -> {
                Thread self = Thread.currentThread();
                seenByThemselves.put(name, self);
                out.println(name + ": current thread is '" + self.getName() + "'");
                running.countDown();
                awaitQuietly(mayEnd);
              },
              name);
      threads.add(thread);
    }
    int activeBefore = group.activeCount();
    threads.forEach(Thread::start);
    try {
      if (!running.await(10, TimeUnit.SECONDS)) {
        return Outcome.of(false, running.getCount() + " of 3 threads had not started after 10 s");
      }
      long aliveDuring = threads.stream().filter(Thread::isAlive).count();
      out.println("main: is_alive of each: " + aliveFlags(threads));

      Thread first = threads.getFirst();
      first.setName("renamed-1");
      String renamed = first.getName();
      out.println("main: renamed Thread-1; getName() now returns '" + renamed + "'");

      Set<Thread> liveDuring = Thread.getAllStackTraces().keySet();
      long listedDuring = threads.stream().filter(liveDuring::contains).count();
      int activeDuring = group.activeCount();
      out.printf(
          "main: enumerate: %d live threads in the JVM, %d of them ours: %s%n",
          liveDuring.size(), listedDuring, names(threads));
      out.println("main: active count of their group: " + activeDuring);

      boolean selvesMatch =
          threads.stream().allMatch(t -> seenByThemselves.get(nameAtStart(threads, t)) == t);

      mayEnd.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
      boolean noneAlive = threads.stream().noneMatch(Thread::isAlive);
      Set<Thread> liveAfter = Thread.getAllStackTraces().keySet();
      long listedAfter = threads.stream().filter(liveAfter::contains).count();
      int activeAfter = group.activeCount();
      out.println("main: after join: is_alive of each: " + aliveFlags(threads));
      out.printf(
          "main: enumerate: %d of ours listed; active count of their group: %d%n",
          listedAfter, activeAfter);

      boolean passed =
          aliveDuring == THREADS
              && renamed.equals("renamed-1")
              && selvesMatch
              && activeBefore == 0
              && listedDuring == THREADS
              && activeDuring == THREADS
              && noneAlive
              && listedAfter == 0
              && activeAfter == 0;
      return Outcome.of(
          passed,
          String.format(
              "while running: %d alive, %d listed, active count %d; after join: %d alive, %d"
                  + " listed, active count %d; rename %s",
              aliveDuring,
              listedDuring,
              activeDuring,
              threads.stream().filter(Thread::isAlive).count(),
              listedAfter,
              activeAfter,
              renamed.equals("renamed-1") ? "took effect" : "did not take effect"));
    } finally {
      mayEnd.countDown();
    }
  }

  private static String nameAtStart(List<Thread> threads, Thread thread) {
    return "Thread-" + (threads.indexOf(thread) + 1);
  }

  private static String aliveFlags(List<Thread> threads) {
    return threads.stream()
        .map(t -> t.getName() + "=" + t.isAlive())
        .collect(Collectors.joining(", "));
  }

  private static String names(List<Thread> threads) {
    return threads.stream().map(Thread::getName).collect(Collectors.joining(", "));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ThreadApi().runAsProgram();
  }
}
