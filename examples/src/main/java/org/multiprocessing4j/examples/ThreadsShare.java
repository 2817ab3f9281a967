package org.multiprocessing4j.examples;

import java.io.PrintStream;

/**
 * Threads share memory (tutorial, threads section 6.2).
 *
 * <pre>{@code
 * n = 100
 * def task():
 *     global n
 *     n = 0
 *
 * t1 = Thread(target=task, )
 * t1.start()
 * t1.join()
 * print("主线程", n)   # 主线程 0
 * }</pre>
 *
 * <p>Java has no module globals; any object both threads can reach plays the part of Python's
 * global {@code n}, because every thread of a JVM works on the same heap. The {@code isolation}
 * scenario runs the same task in a child process, where the parent's {@code n} stays 100.
 */
public final class ThreadsShare extends Scenario {

  /** The tutorial's global {@code n}: one variable that every thread of the JVM sees. */
  private static final class Globals {
    int n = 100;
  }

  /** Creates the scenario. */
  public ThreadsShare() {
    super(
        "threads-share",
        "线程 六.2",
        "Threads share their process's memory",
        "a thread sets n = 0 and the main thread then sees 0 (a child process would not)");
  }

  @Override
  public Outcome run(PrintStream out) throws InterruptedException {
    Globals globals = new Globals();
    out.println("main thread: n = " + globals.n + " before the thread runs");
    Thread t1 = new Thread(() -> globals.n = 0, "Thread-1");
    t1.start();
    t1.join(); // also makes the thread's write visible to this thread (happens-before)
    int n = globals.n;
    out.println("main thread: n = " + n);
    return Outcome.of(n == 0, "after join the main thread reads n = " + n);
  }

  /**
   * Runs this scenario on its own.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    new ThreadsShare().runAsProgram();
  }
}
