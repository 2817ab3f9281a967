package org.multiprocessing4j;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.codec.ThrowableInfo;
import org.multiprocessing4j.internal.spawn.Child;
import org.multiprocessing4j.internal.spawn.Children;
import org.multiprocessing4j.internal.spawn.CurrentProcess;
import org.multiprocessing4j.internal.spawn.HandleTarget;
import org.multiprocessing4j.internal.spawn.LaunchSpec;

/**
 * A child JVM process running a target, with the semantics of Python's {@code
 * multiprocessing.Process}.
 *
 * <p>Give it a target, or subclass it and override {@link #run()}; then {@link #start()} launches a
 * new JVM (the {@code java} of this JVM's {@code java.home}, with this JVM's class path) and runs
 * the target there. The process object itself, with its subclass's fields, travels to the child as
 * Java serialization copies it (a plain process whose lambda target captures only simple values
 * goes in a shorter form that gives the same copy); in the child, {@link #current()} returns that
 * copy.
 *
 * <pre>{@code
 * JvmProcess p = new JvmProcess(Demo::task, "child 1");   // Process(target=task, args=('child 1',))
 * p.start();                                               // returns once the child runs
 * p.join();                                                // waits for it to end
 * System.out.println(p.exitCode());                        // OptionalInt[0]
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 *
 * <pre>
 *   new ──start()──▶ running ──(child ends; join/isAlive/exitCode see it)──▶ ended ──close()──▶ closed
 * </pre>
 *
 * {@link #setName}, {@link #setDaemon} and {@link #setOptions} are allowed only while new. {@link
 * #start()} is allowed once. {@link #join()} needs a started process. {@link #close()} needs a
 * process that is not running; after it, every method but {@link #name()}, {@link #pid()} and
 * {@link #exitCode()} throws {@link IllegalStateException}, as Python raises {@code ValueError}.
 *
 * <h2>Exit codes</h2>
 *
 * {@link #exitCode()} is empty while the child runs; then 0 for a normal end, {@code n} after
 * {@code System.exit(n)}, 1 after an uncaught exception (whose stack trace the child prints to its
 * standard error, and which {@link #failure()} returns here), and {@code -N} when the child was
 * ended by signal {@code N}: {@link #terminate()} gives -15 and {@link #kill()} gives -9, as in
 * Python. A JVM that crashes (a fault in native code) aborts, giving -6.
 *
 * <h2>Daemons and exit</h2>
 *
 * When this JVM's program ends (its last non-daemon thread ends, or {@code System.exit} is called)
 * its daemonic children are terminated, then its non-daemonic children are waited for, which keeps
 * this JVM alive until they end: Python's order. A daemonic process may not start children. If this
 * JVM is killed outright, every child notices within a second (its control channel closes and the
 * kernel sends it {@code SIGKILL} through {@code PR_SET_PDEATHSIG} on Linux) and exits: no orphans.
 *
 * <h2>Output</h2>
 *
 * A child's standard output and error are copied into this JVM's {@code System.out} and {@code
 * System.err} by default; {@link ProcessOptions} can send them to files, capture them or discard
 * them. A child's {@code System.in} is empty (reading it gives end of stream at once), as Python
 * gives its children {@code os.devnull}; but its file descriptor 0 is the library's pipe from this
 * JVM, so a program the child starts with {@code ProcessBuilder.inheritIO()} should take its input
 * from elsewhere ({@code redirectInput(new File("/dev/null"))}): reading the inherited descriptor
 * would wait until this JVM exits.
 *
 * <h2>Threads</h2>
 *
 * The methods are thread-safe: one thread may {@link #join()} while another calls {@link
 * #terminate()}.
 */
public class JvmProcess implements Serializable, AutoCloseable {
  @Serial private static final long serialVersionUID = 1L;

  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** The object that describes the JVM a program started in, when it was not started by us. */
  private static final JvmProcess MAIN = new JvmProcess(Role.SELF, "MainProcess");

  /** What a JvmProcess object stands for in the JVM that holds it. */
  private enum Role {
    /** Created here; may be started, joined and so on. */
    CHILD,
    /** The JVM that holds this object. */
    SELF,
    /** The JVM that started the one holding this object. */
    PARENT
  }

  // Serialized: travels to the child.
  private String name;
  private boolean daemon;
  private final String identity;
  private final @Nullable ProcessTarget target;
  private @Nullable String parentName;

  // Not serialized: the parent's management state. In a deserialized copy role is null.
  private transient @Nullable Role role;
  private transient @Nullable ProcessOptions options;
  private transient @Nullable Child child; // set once by start(), under this
  private transient boolean closed; // guarded by this
  private transient long pid;

  /**
   * Creates a process that runs {@code target} in a child JVM. Not started.
   *
   * @param target the code to run; serializable, and so must be all it captures
   */
  public JvmProcess(ProcessTarget target) {
    this(Objects.requireNonNull(target, "target"), null);
  }

  /**
   * Creates a process that runs {@code target} with one argument, as Python's {@code
   * Process(target=f, args=(a,))}. Not started.
   *
   * @param target the code to run; serializable
   * @param arg its argument; serializable
   * @param <A> the argument's type
   */
  public <A> JvmProcess(ProcessTarget.Arg1<A> target, A arg) {
    this(withArg(target, arg), null);
  }

  /**
   * Creates a process that runs {@code target} with two arguments. Not started.
   *
   * @param target the code to run; serializable
   * @param a its first argument; serializable
   * @param b its second argument; serializable
   * @param <A> the first argument's type
   * @param <B> the second argument's type
   */
  public <A, B> JvmProcess(ProcessTarget.Arg2<A, B> target, A a, B b) {
    this(withArgs(target, a, b), null);
  }

  /**
   * Creates a process for a subclass that overrides {@link #run()}. The subclass's non-transient
   * fields travel to the child, so they must be serializable. Not started.
   */
  protected JvmProcess() {
    this((ProcessTarget) null, (Void) null);
  }

  private JvmProcess(@Nullable ProcessTarget target, @Nullable Void unused) {
    this.target = target;
    this.identity = nextIdentity();
    this.name = "JvmProcess-" + identity;
    this.role = Role.CHILD;
  }

  /** The child's copy made from a compact LAUNCH: as a deserialized one, without a role. */
  private JvmProcess(
      String name,
      boolean daemon,
      String identity,
      @Nullable String parentName,
      ProcessTarget target) {
    this.name = name;
    this.daemon = daemon;
    this.identity = identity;
    this.parentName = parentName;
    this.target = target;
  }

  static {
    CurrentProcess.setCopier(new Copier());
  }

  /** A class, not a lambda: a cold child initializes this class, and a lambda costs it a class. */
  private static final class Copier implements CurrentProcess.Copier {
    @Override
    public Object copy(
        String name, boolean daemon, String identity, @Nullable String parentName, Object target) {
      return new JvmProcess(name, daemon, identity, parentName, (ProcessTarget) target);
    }
  }

  private JvmProcess(Role role, String name) {
    this.target = null;
    this.identity = "";
    this.name = name;
    this.role = role;
  }

  private static ProcessTarget withArg(ProcessTarget.Arg1<?> target, Object arg) {
    Objects.requireNonNull(target, "target");
    @SuppressWarnings("unchecked")
    ProcessTarget.Arg1<Object> t = (ProcessTarget.Arg1<Object>) target;
    return () -> t.run(arg);
  }

  private static ProcessTarget withArgs(ProcessTarget.Arg2<?, ?> target, Object a, Object b) {
    Objects.requireNonNull(target, "target");
    @SuppressWarnings("unchecked")
    ProcessTarget.Arg2<Object, Object> t = (ProcessTarget.Arg2<Object, Object>) target;
    return () -> t.run(a, b);
  }

  private static String nextIdentity() {
    String n = Integer.toString(COUNTER.incrementAndGet());
    Object self = CurrentProcess.get();
    return self instanceof JvmProcess p && !p.identity.isEmpty() ? p.identity + ":" + n : n;
  }

  // ---------------------------------------------------------------- the process as seen from here

  /**
   * Returns the process this code runs in: in a child, the (deserialized) object its parent
   * started; in a JVM not started by the library, an object named {@code MainProcess}.
   *
   * @return the current process; its {@link #pid()} is this JVM's pid
   */
  public static JvmProcess current() {
    return CurrentProcess.get() instanceof JvmProcess p ? p : MAIN;
  }

  /**
   * Returns the process that started this one, as Python's {@code parent_process()}.
   *
   * <p>The returned object supports {@link #name()}, {@link #pid()}, {@link #isAlive()} and {@link
   * #join()} (which waits for the parent to end); the other methods throw {@link
   * IllegalStateException}.
   *
   * @return the parent, or empty in a JVM not started by the library
   */
  public static Optional<JvmProcess> parent() {
    Object self = CurrentProcess.get();
    if (!(self instanceof JvmProcess p)) {
      return Optional.empty();
    }
    JvmProcess parent =
        new JvmProcess(Role.PARENT, p.parentName == null ? "MainProcess" : p.parentName);
    parent.pid = CurrentProcess.parentPid();
    return Optional.of(parent);
  }

  /**
   * Returns the children started by this JVM that are still running, as Python's {@code
   * active_children()}. Children seen to have ended are dropped from the list (Python "joins"
   * them).
   *
   * @return a new list, in no particular order
   */
  public static List<JvmProcess> activeChildren() {
    List<JvmProcess> alive = new ArrayList<>();
    for (Child c : Children.live()) {
      if (c.isAlive()) {
        alive.add((JvmProcess) c.owner());
      } else {
        c.exitCode(); // reaps it: fixes the exit code and unregisters
      }
    }
    return alive;
  }

  // ----------------------------------------------------------------------------------- settings

  /**
   * Returns the process's name: {@code JvmProcess-N} by default ({@code JvmProcess-1:2} for the
   * second child of the first child), {@code MainProcess} for a JVM not started by the library.
   *
   * @return the name; the same in parent and child
   */
  public final String name() {
    return name;
  }

  /**
   * Sets the name. Allowed only before {@link #start()}.
   *
   * @param name a non-blank name
   * @return this process
   * @throws IllegalArgumentException if the name is blank
   * @throws IllegalStateException if the process was started or is not one created here
   */
  public final JvmProcess setName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("process name must not be blank");
    }
    synchronized (this) {
      requireNew("set the name of");
      this.name = name;
    }
    return this;
  }

  /**
   * Returns whether the process is daemonic.
   *
   * @return the daemon flag; false by default and for {@code MainProcess}
   */
  public final boolean isDaemon() {
    return daemon;
  }

  /**
   * Sets the daemon flag. A daemonic process is terminated when this JVM's program ends, and may
   * not start children of its own. Allowed only before {@link #start()}.
   *
   * @param daemon the flag
   * @return this process
   * @throws IllegalStateException if the process was already started, as Python's assertion
   */
  public final JvmProcess setDaemon(boolean daemon) {
    synchronized (this) {
      requireNew("set the daemon flag of");
      this.daemon = daemon;
    }
    return this;
  }

  /**
   * Sets how the child JVM is launched, replacing the context's defaults. Allowed only before
   * {@link #start()}.
   *
   * @param options launch options
   * @return this process
   * @throws IllegalStateException if the process was already started
   */
  public final JvmProcess setOptions(ProcessOptions options) {
    Objects.requireNonNull(options, "options");
    synchronized (this) {
      requireNew("set the options of");
      this.options = options;
    }
    return this;
  }

  /**
   * Returns the launch options this process uses.
   *
   * @return its own options if set, else the default context's
   */
  public final ProcessOptions options() {
    ProcessOptions o = options;
    return o != null ? o : Multiprocessing.local().defaults();
  }

  // -------------------------------------------------------------------------------- lifecycle

  /**
   * The code the child runs: the target given to the constructor, or nothing. Override it in a
   * subclass, as Python's {@code run()}. Called in the child by the library; calling it directly
   * runs it in the calling thread, as in Python.
   *
   * @throws Exception anything; in a child it ends the child with exit code 1
   */
  public void run() throws Exception {
    if (target != null) {
      target.run();
    }
  }

  /**
   * Launches the child JVM and returns once it has loaded this process object and is about to run
   * it; it does not wait for the target to finish.
   *
   * <p>Blocks for the child JVM's start-up (about 0.1 s on a quiet machine, a few hundred
   * milliseconds under load, a few milliseconds with a warm spare), at most {@link
   * ProcessOptions#startTimeout()}. If the calling thread is interrupted meanwhile, the child is
   * killed and {@link ProcessStartException} is thrown with the interrupt status set.
   *
   * @return this process
   * @throws IllegalStateException if already started or closed, if this is not a process created in
   *     this JVM, if the current process is daemonic ("daemonic processes are not allowed to have
   *     children", as Python), or if this JVM is shutting down
   * @throws UnserializableValueException if the target or a field of a subclass cannot be
   *     serialized; it names the class and the path of fields leading to it; nothing was launched
   * @throws ProcessStartException if the child JVM could not start (a bad JVM option, a class
   *     missing from its class path, a target that does not load there), with the child's own error
   *     text; the child is no longer running
   */
  public final JvmProcess start() {
    synchronized (this) {
      requireNew("start");
      if (current().isDaemon()) {
        throw new IllegalStateException(
            "daemonic processes are not allowed to have children: "
                + current().name()
                + " is daemonic, so it cannot start "
                + name
                + ". Make "
                + current().name()
                + " non-daemonic, or start "
                + name
                + " from its parent.");
      }
      this.parentName = current().name();
      // A plain process with a lambda target of simple values goes without Java serialization,
      // which a cold child would spend tens of milliseconds setting up to read it.
      byte[] payload =
          getClass() == JvmProcess.class
              ? HandleTarget.compactLaunch(name, daemon, identity, parentName, target)
              : null;
      if (payload == null) {
        payload =
            HandleTarget.serializeProcess(this, "process " + name + " (its target or fields)");
      }
      Children.installHook();
      Child c = Child.launch(spec(options()), payload, daemon, this);
      this.pid = c.pid();
      this.child = c;
    }
    return this;
  }

  private LaunchSpec spec(ProcessOptions o) {
    List<String> jvm = new ArrayList<>(o.jvmOptions());
    o.systemProperties().forEach((k, v) -> jvm.add("-D" + k + "=" + v));
    return new LaunchSpec(
        jvm,
        o.classPath(),
        o.environment(),
        o.workingDirectory(),
        sink(o.stdout()),
        sink(o.stderr()),
        o.startTimeout().toNanos(),
        name,
        o.aotCache(),
        o.warmSpares(),
        o.preload());
  }

  private static LaunchSpec.Sink sink(Output out) {
    LaunchSpec.SinkKind kind =
        switch (out.kind()) {
          case PARENT -> LaunchSpec.SinkKind.PARENT;
          case INHERIT -> LaunchSpec.SinkKind.INHERIT;
          case DISCARD -> LaunchSpec.SinkKind.DISCARD;
          case FILE -> LaunchSpec.SinkKind.FILE;
          case APPEND -> LaunchSpec.SinkKind.APPEND;
          case CAPTURE -> LaunchSpec.SinkKind.CAPTURE;
        };
    return new LaunchSpec.Sink(kind, out.path());
  }

  /**
   * Waits until the process ends.
   *
   * <p>For the object returned by {@link #parent()}, waits until the parent ends.
   *
   * @throws InterruptedException if the calling thread is interrupted while waiting; the child
   *     keeps running
   * @throws IllegalStateException if the process was never started, or is closed, or is the current
   *     process (a process cannot join itself)
   */
  public final void join() throws InterruptedException {
    joinNanos(-1);
  }

  /**
   * Waits until the process ends or the timeout passes, as Python's {@code join(timeout)}.
   *
   * @param timeout how long to wait; zero or negative means do not wait, just check
   * @return true if the process has ended, false if it is still running when the timeout passed
   * @throws InterruptedException if the calling thread is interrupted while waiting; the child
   *     keeps running
   * @throws IllegalStateException if the process was never started, or is closed, or is the current
   *     process
   */
  public final boolean join(Duration timeout) throws InterruptedException {
    long nanos = timeout.isNegative() ? 0 : saturatedNanos(timeout);
    return joinNanos(nanos);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private boolean joinNanos(long nanos) throws InterruptedException {
    if (role == Role.PARENT) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isEmpty()) {
        return true;
      }
      try {
        if (nanos < 0) {
          h.get().onExit().get();
        } else {
          h.get().onExit().get(nanos, TimeUnit.NANOSECONDS);
        }
        return true;
      } catch (java.util.concurrent.ExecutionException e) {
        return !h.get().isAlive();
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      }
    }
    if (role == Role.SELF || this == CurrentProcess.get()) {
      throw new IllegalStateException("a process cannot join itself (" + name + ")");
    }
    return requireStarted("join").waitFor(nanos);
  }

  /**
   * Returns whether the process is running: started and not yet ended. Never blocks for long.
   *
   * @return true while the child runs; true for the current process; for {@link #parent()}, whether
   *     the parent is still running
   */
  public final boolean isAlive() {
    if (role == Role.SELF || this == CurrentProcess.get()) {
      return true;
    }
    if (role == Role.PARENT) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    Child c;
    synchronized (this) {
      requireOpen();
      c = child;
    }
    return c != null && c.isAlive();
  }

  /**
   * Returns the process id of the child (or of this JVM for {@link #current()}). It stays readable
   * after the child ended and after {@link #close()}.
   *
   * @return the operating system's process id
   * @throws IllegalStateException if the process was never started (Python returns None)
   */
  public final long pid() {
    if (role == Role.SELF || this == CurrentProcess.get()) {
      return ProcessHandle.current().pid();
    }
    if (role == Role.PARENT) {
      return pid;
    }
    synchronized (this) {
      if (child == null) {
        throw new IllegalStateException(name + " has not been started, so it has no pid yet");
      }
    }
    return pid;
  }

  /**
   * Returns the exit code: empty while the process runs (and before it starts); 0 after a normal
   * end; {@code n} after {@code System.exit(n)}; 1 after an uncaught exception; {@code -N} when the
   * process was ended by signal {@code N}. Does not block for long.
   *
   * @return the exit code, or empty if the process has not ended
   */
  public final OptionalInt exitCode() {
    Child c;
    synchronized (this) {
      c = child;
    }
    return c == null ? OptionalInt.empty() : c.exitCode();
  }

  /**
   * Returns the exception that ended the child, read back from it: its class name, message and
   * stack trace (and its causes) as a {@link RemoteProcessException}. Python offers no such thing;
   * there the traceback is only printed.
   *
   * @return the child's uncaught exception, or empty if it had none or has not ended
   */
  public final Optional<RemoteProcessException> failure() {
    Child c;
    synchronized (this) {
      c = child;
    }
    ThrowableInfo info = c == null ? null : c.failure();
    return info == null ? Optional.empty() : Optional.of(toException(info));
  }

  static RemoteProcessException toException(ThrowableInfo info) {
    ThrowableInfo cause = info.cause();
    return new RemoteProcessException(
        info.className(),
        info.message(),
        info.frames().toArray(new StackTraceElement[0]),
        cause == null ? null : toException(cause));
  }

  /**
   * Asks the process to end by sending it {@code SIGTERM}; the child's JVM runs its shutdown hooks
   * and exits, and its exit code becomes -15. Does not wait: {@link #join()} for that. Does nothing
   * if the process already ended.
   *
   * @throws IllegalStateException if the process was never started or is closed
   */
  public final void terminate() {
    requireStarted("terminate").terminate();
  }

  /**
   * Ends the process at once with {@code SIGKILL}; its exit code becomes -9. Does not wait. Does
   * nothing if the process already ended.
   *
   * @throws IllegalStateException if the process was never started or is closed
   */
  public final void kill() {
    requireStarted("kill").kill();
  }

  /**
   * Returns what the child wrote to its standard output, when it was launched with {@link
   * Output#capture()}.
   *
   * @return the captured text so far, or the empty string
   */
  public final String capturedStdout() {
    Child c = child;
    return c == null ? "" : c.capturedStdout();
  }

  /**
   * Returns what the child wrote to its standard error, when it was launched with {@link
   * Output#capture()}.
   *
   * @return the captured text so far, or the empty string
   */
  public final String capturedStderr() {
    Child c = child;
    return c == null ? "" : c.capturedStderr();
  }

  /**
   * Releases the resources held for the child (its control channel and pipes). Idempotent. After
   * it, only {@link #name()}, {@link #pid()} and {@link #exitCode()} may be called.
   *
   * @throws IllegalStateException if the process is still running, as Python's {@code ValueError};
   *     join or kill it first
   */
  @Override
  public final void close() {
    synchronized (this) {
      if (closed || role != Role.CHILD) {
        return;
      }
      Child c = child;
      if (c != null) {
        if (c.isAlive()) {
          throw new IllegalStateException(
              "cannot close "
                  + name
                  + " (pid "
                  + pid
                  + ") while it is still running; join() or"
                  + " kill() it first");
        }
        c.exitCode();
        c.close();
      }
      closed = true;
    }
  }

  // ------------------------------------------------------------------ used by the local context

  synchronized boolean isClosedOrEnded() {
    return closed || (child != null && !child.isAlive());
  }

  void killIfRunning() {
    Child c;
    synchronized (this) {
      c = child;
    }
    if (c != null) {
      c.kill();
    }
  }

  // -------------------------------------------------------------------------------- state checks

  private void requireNew(String action) {
    // assert Thread.holdsLock(this);
    if (role != Role.CHILD) {
      throw new IllegalStateException(
          "cannot " + action + " " + name + ": it is not a process created in this JVM");
    }
    requireOpen();
    if (child != null) {
      throw new IllegalStateException(
          "cannot " + action + " " + name + ": it was already started (pid " + pid + ")");
    }
  }

  private void requireOpen() {
    // assert Thread.holdsLock(this);
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
  }

  private Child requireStarted(String action) {
    if (role != Role.CHILD) {
      throw new IllegalStateException(
          "cannot " + action + " " + name + ": it is not a process created in this JVM");
    }
    synchronized (this) {
      requireOpen();
      Child c = child;
      if (c == null) {
        throw new IllegalStateException(
            "cannot " + action + " " + name + ": it has not been started; call start() first");
      }
      return c;
    }
  }

  @Override
  public String toString() {
    String state;
    Child c = child;
    if (role == Role.SELF || this == CurrentProcess.get()) {
      state = "current";
    } else if (role == Role.PARENT) {
      state = "parent";
    } else if (c == null) {
      state = closed ? "closed" : "initial";
    } else {
      OptionalInt code = c.exitCode();
      state = code.isPresent() ? "stopped exitcode=" + code.getAsInt() : "started";
    }
    return "<JvmProcess name='"
        + name
        + "' "
        + (pid == 0 && role != Role.SELF ? "" : "pid=" + pid() + " ")
        + state
        + (daemon ? " daemon" : "")
        + ">";
  }
}
