package org.multiprocessing4j.internal.pool;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JDK Flight Recorder events of the process pool's task and worker lifecycle, so that a recording
 * opened in JDK Mission Control shows what each pool and worker did. All are in the category
 * "multiprocessing4j / Process Pool", enabled by default (as custom events are), without stack
 * traces; a disabled event costs a field check.
 *
 * <p>Task events carry the pool's name and the task's id, unique within its pool; a chunk of a map
 * is one task of {@code items} items.
 */
public final class PoolEvents {

  private PoolEvents() {}

  /** The category path of every pool event. */
  private static final String CATEGORY_ROOT = "multiprocessing4j";

  private static final String CATEGORY = "Process Pool";

  /** A task or chunk was accepted by the pool. */
  @Name("org.multiprocessing4j.TaskSubmitted")
  @Label("Task Submitted")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A task, or a chunk of a map, was accepted by a process pool")
  @StackTrace(false)
  public static final class TaskSubmitted extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Task Id")
    long taskId;

    @Label("Items")
    @Description("1 for a task; the number of items for a chunk of a map")
    int items;

    @Label("Payload")
    @DataAmount
    long payloadBytes;
  }

  /**
   * A task became the one its worker runs now (workers run their tasks one at a time, in order).
   */
  @Name("org.multiprocessing4j.TaskStarted")
  @Label("Task Started")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A task became the one its worker process runs now")
  @StackTrace(false)
  public static final class TaskStarted extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Task Id")
    long taskId;

    @Label("Worker")
    String worker = "";

    @Label("Worker PID")
    long workerPid;

    @Label("Attempt")
    @Description("1 for the first run; more when retried after its worker died")
    int attempt;
  }

  /** A task's result came back. */
  @Name("org.multiprocessing4j.TaskFinished")
  @Label("Task Finished")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A task's result came back from its worker process")
  @StackTrace(false)
  public static final class TaskFinished extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Task Id")
    long taskId;

    @Label("Worker")
    String worker = "";

    @Label("Worker PID")
    long workerPid;

    @Label("Items")
    int items;

    @Label("Run Time")
    @Description("How long the task ran in its worker")
    @Timespan(Timespan.NANOSECONDS)
    long runTime;

    @Label("Pool Time")
    @Description("From submission to the result's arrival in this JVM")
    @Timespan(Timespan.NANOSECONDS)
    long poolTime;
  }

  /** A task failed: it threw, its worker died, it timed out, or its result could not be sent. */
  @Name("org.multiprocessing4j.TaskFailed")
  @Label("Task Failed")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A task threw, timed out, or its worker process died while running it")
  @StackTrace(false)
  public static final class TaskFailed extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Task Id")
    long taskId;

    @Label("Worker")
    String worker = "";

    @Label("Worker PID")
    long workerPid;

    @Label("Failure")
    @Description("The exception's class (the remote class for an exception thrown by the task)")
    String failure = "";

    @Label("Message")
    String message = "";

    @Label("Run Time")
    @Timespan(Timespan.NANOSECONDS)
    long runTime;
  }

  /** A worker JVM is up and ready for tasks. */
  @Name("org.multiprocessing4j.WorkerStarted")
  @Label("Worker Started")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A worker process of a pool is up, its initializer done, and ready for tasks")
  @StackTrace(false)
  public static final class WorkerStarted extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Worker")
    String worker = "";

    @Label("Worker PID")
    long workerPid;

    @Label("Startup")
    @Description("From the launch of its JVM to its READY message, initializer included")
    @Timespan(Timespan.NANOSECONDS)
    long startup;
  }

  /**
   * A worker JVM ended other than by a clean stop the pool asked for: killed by the pool (cancel,
   * timeout, shutdownNow) or died by itself (signal, System.exit, crash).
   */
  @Name("org.multiprocessing4j.WorkerDied")
  @Label("Worker Died")
  @Category({CATEGORY_ROOT, CATEGORY})
  @Description("A worker process ended other than by a stop the pool asked for")
  @StackTrace(false)
  public static final class WorkerDied extends Event {
    @Label("Pool")
    String pool = "";

    @Label("Worker")
    String worker = "";

    @Label("Worker PID")
    long workerPid;

    @Label("Exit Code")
    @Description("The exit status; negative: killed by that signal; Integer.MIN_VALUE: unknown")
    int exitCode;

    @Label("Signal")
    @Description("The signal that killed it (9 for SIGKILL), or 0")
    int signal;

    @Label("Killed By Pool")
    @Description("Why the pool killed it (cancel(true), a timeout, shutdownNow()), or empty")
    String killedFor = "";

    @Label("Running Task Id")
    @Description("The task it was running, or 0")
    long taskId;
  }
}
