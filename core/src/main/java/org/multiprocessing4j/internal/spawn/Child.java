package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessStartException;
import org.multiprocessing4j.internal.codec.ThrowableInfo;

/**
 * The parent's side of one child JVM: its {@link Process}, its control channel, its output pumps,
 * and what the child reported (uncaught exception, signal, orderly shutdown).
 *
 * <pre>
 *   parent JVM                                          child JVM
 *   ----------                                          ---------
 *   mkfifo  <runtime dir>/<n>.fifo                                      \  SpawnedJvm.spawn, at
 *   spawn [setpriv] java ... ChildMain <fifo> <pid> --> (prctl(PDEATHSIG)), |  once or ahead of
 *                                                       check getppid()    |  time for a warm
 *   open FIFO to read  <--------------------------------  open to write    /  spare (WarmSpares)
 *   send LAUNCH(serialized JvmProcess) on its stdin ----> deserialize
 *   start() returns  <----------------------------------  STARTED     (or START_FAILED + cause)
 *                                                         run()
 *   reader thread records  <----------------------------  UNCAUGHT / SIGNALLED / SHUTDOWN
 *   EOF when the child exits  <-------------------------  exit;  child sees EOF if parent dies
 * </pre>
 *
 * <h2>Lifecycle</h2>
 *
 * LAUNCHING (inside {@link #launch}) -> RUNNING (launch returned) -> EXITED (process ended and the
 * reader saw end of stream; {@link #exitCode()} is fixed from then on) -> CLOSED ({@link
 * #close()}). A launch that fails kills the child and throws; no Child object escapes.
 *
 * <h2>Exit codes</h2>
 *
 * Java reports a child killed by signal N as exit value 128+N, the same as a child that called
 * {@code System.exit(128+N)}. The child resolves this by telling the parent, before it exits, that
 * its JVM is shutting down in an orderly way (SHUTDOWN) or that it received SIGTERM/SIGINT/SIGHUP
 * (SIGNALLED). So: a reported signal gives -N; a signal this object sent with the matching exit
 * value gives -N; an exit value 129..192 without a SHUTDOWN report means the JVM died without
 * running its shutdown (SIGKILL, or SIGABRT after a crash), giving -(value-128); anything else is
 * the exit value itself.
 */
public final class Child {

  private final Process process;
  private final long pid;
  private final boolean daemon;
  private final Object owner;
  private final ControlChannel channel;
  private final @Nullable OutputPump out;
  private final @Nullable OutputPump err;
  private final CompletableFuture<Boolean> started = new CompletableFuture<>();
  private final CompletableFuture<Void> readerDone = new CompletableFuture<>();

  private volatile @Nullable ThrowableInfo failure;
  private volatile @Nullable ThrowableInfo startFailure;
  private volatile int reportedSignal;
  private volatile boolean shutdownReported;
  private volatile int signalSent;

  private @Nullable Integer exitCode; // guarded by this

  private Child(SpawnedJvm jvm, boolean daemon, Object owner) {
    this.process = jvm.process;
    this.pid = process.pid();
    this.daemon = daemon;
    this.owner = owner;
    this.channel = jvm.channel;
    this.out = jvm.out;
    this.err = jvm.err;
  }

  /**
   * Launches a child JVM, hands it the serialized process object, and waits until it reports that
   * the object loaded. With {@link LaunchSpec#warmSpares()} above zero, takes a spare JVM that is
   * already running and connected, if one is ready, so that only the hand-over is waited for.
   *
   * @param spec how to launch
   * @param payload the serialized process object
   * @param daemon whether the child is daemonic (ended at this JVM's exit)
   * @param owner the public object this child belongs to
   * @return the running child, registered in {@link Children}
   * @throws ProcessStartException if the JVM could not start, or the object did not load
   */
  public static Child launch(LaunchSpec spec, byte[] payload, boolean daemon, Object owner) {
    long deadline = System.nanoTime() + spec.startTimeoutNanos();
    SpawnedJvm jvm = WarmSpares.take(spec);
    if (jvm == null) {
      jvm = SpawnedJvm.spawn(spec, spec.name(), deadline, false);
    } else {
      try {
        return handOver(jvm, spec, payload, daemon, owner, deadline);
      } finally {
        WarmSpares.launched(spec); // replace the spare, now that its process runs
      }
    }
    return handOver(jvm, spec, payload, daemon, owner, deadline);
  }

  private static Child handOver(
      SpawnedJvm jvm,
      LaunchSpec spec,
      byte[] payload,
      boolean daemon,
      Object owner,
      long deadline) {
    Child child = new Child(jvm, daemon, owner);
    try {
      child.channel.send(ControlChannel.LAUNCH, payload);
      child.startReader(spec.name());
      child.awaitStarted(deadline, spec);
      if (child.err != null) {
        child.err.stopRecording();
      }
      Children.register(child);
      return child;
    } catch (IOException e) {
      SpawnedJvm.killQuietly(jvm.process);
      jvm.channel.close(); // our FIFO end and the child's stdin; its output pumps end by themselves
      throw new ProcessStartException(
          spec.name() + " could not talk to its child JVM: " + e,
          SpawnedJvm.exitValue(jvm.process),
          "",
          e);
    } catch (RuntimeException e) {
      SpawnedJvm.killQuietly(jvm.process);
      jvm.channel.close();
      throw e;
    }
  }

  /**
   * Starts the thread that reads the child's reports. A platform thread: the launch waits for the
   * STARTED it reads, and a platform thread blocked in a pipe read is woken by the kernel itself,
   * where a virtual one needs the poller and a carrier to be scheduled first, hops that cost
   * milliseconds on a busy small machine.
   */
  private void startReader(String name) {
    Thread.ofPlatform().daemon().name("mp4j-control-" + name).start(this::readLoop);
  }

  private void readLoop() {
    try {
      while (true) {
        ControlChannel.Frame f = channel.read();
        switch (f.type()) {
          case ControlChannel.STARTED -> started.complete(true);
          case ControlChannel.START_FAILED -> {
            startFailure = ThrowableInfo.read(f.data());
            started.complete(false);
          }
          case ControlChannel.UNCAUGHT -> failure = ThrowableInfo.read(f.data());
          case ControlChannel.SIGNALLED -> reportedSignal = f.data().readInt();
          case ControlChannel.SHUTDOWN -> shutdownReported = true;
          default -> {
            // Unknown frame from a newer child: ignore it.
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // End of stream: the child exited (or closed its end).
    } finally {
      started.complete(false);
      readerDone.complete(null);
    }
  }

  private void awaitStarted(long deadline, LaunchSpec spec) {
    try {
      SpawnedJvm.awaitEither(
          started,
          process,
          deadline,
          spec.startTimeoutNanos(),
          spec.name(),
          err,
          "load its target");
    } catch (ProcessStartException e) {
      // A short target can send STARTED and end before our reader took the frame (both wake-ups
      // late on a busy machine): the exit won the race. The reader completes `started` at the end
      // of the stream at the latest, so a bounded wait tells a start from a failure. (A timeout or
      // an interrupt, which carry their cause, killed the child: no second look.)
      if (e.getCause() != null || process.isAlive() || !startedAfterExit()) {
        throw e;
      }
      return;
    }
    if (!started.join()) {
      ThrowableInfo cause = startFailure;
      String text = err == null ? "" : err.startupText();
      if (cause != null) {
        throw new ProcessStartException(
            spec.name() + " could not load its target in the child JVM: " + cause,
            null,
            text,
            null);
      }
      throw SpawnedJvm.launchFailed(spec.name(), process, text, "load its target");
    }
  }

  /** After the child exited: whether it had reported STARTED, as the reader sees it. */
  private boolean startedAfterExit() {
    try {
      return started.get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  /** Returns the child's pid. */
  public long pid() {
    return pid;
  }

  /** Returns whether the child is daemonic. */
  public boolean isDaemon() {
    return daemon;
  }

  /** Returns the public object this child belongs to. */
  public Object owner() {
    return owner;
  }

  /** Returns whether the child's process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the child to exit and for its reports and output to be read.
   *
   * @param timeoutNanos how long to wait; negative means forever
   * @return true if the child has exited
   */
  public boolean waitFor(long timeoutNanos) throws InterruptedException {
    if (timeoutNanos < 0) {
      process.waitFor();
    } else if (!process.waitFor(timeoutNanos, TimeUnit.NANOSECONDS)) {
      return false;
    }
    finish();
    return true;
  }

  /** After exit: drain the control channel and output pumps (briefly), fix the exit code. */
  private void finish() throws InterruptedException {
    synchronized (this) {
      if (exitCode != null) {
        return;
      }
    }
    try {
      readerDone.get(2, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // A grandchild holding the FIFO open cannot keep us waiting.
    }
    // A grandchild that inherited our pipe can keep it open; don't wait for it forever.
    if (out != null) {
      out.awaitEnd(2, TimeUnit.SECONDS);
    }
    if (err != null) {
      err.awaitEnd(2, TimeUnit.SECONDS);
    }
    synchronized (this) {
      if (exitCode == null) {
        exitCode = computeExitCode(process.exitValue());
        Children.unregister(this);
      }
    }
  }

  private int computeExitCode(int raw) {
    if (reportedSignal > 0) {
      return -reportedSignal;
    }
    int sent = signalSent;
    if (sent > 0 && raw == 128 + sent) {
      return -sent;
    }
    if (!shutdownReported && raw > 128 && raw <= 128 + 64) {
      return -(raw - 128);
    }
    return raw;
  }

  /** Returns the exit code once {@link #waitFor} has seen the exit, else empty. */
  public OptionalInt exitCode() {
    synchronized (this) {
      if (exitCode != null) {
        return OptionalInt.of(exitCode);
      }
    }
    if (process.isAlive()) {
      return OptionalInt.empty();
    }
    try {
      finish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
    synchronized (this) {
      return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }
  }

  /** Returns the child's uncaught exception, if it reported one. */
  public @Nullable ThrowableInfo failure() {
    return failure;
  }

  /**
   * Sends SIGTERM. Through the process's handle, not {@link Process#destroy()}, which also closes
   * our ends of the child's pipes: the child would see its standard input (our half of the control
   * channel) end before its signal handler ran, and take it for our death; and output it writes
   * while it shuts down would be lost.
   */
  public void terminate() {
    if (process.isAlive()) {
      signalSent = 15;
      process.toHandle().destroy();
    }
  }

  /** Sends SIGKILL, through the process's handle as {@link #terminate()} does. */
  public void kill() {
    if (process.isAlive()) {
      signalSent = 9;
      process.toHandle().destroyForcibly();
    }
  }

  /** Returns what was captured from the child's standard output. */
  public String capturedStdout() {
    return out == null ? "" : out.capturedText();
  }

  /** Returns what was captured from the child's standard error. */
  public String capturedStderr() {
    return err == null ? "" : err.capturedText();
  }

  /** Releases the control channel and the streams; call only after the child exited. */
  public void close() {
    channel.close(); // also the child's standard input
    SpawnedJvm.closeQuietly(process.getInputStream());
    SpawnedJvm.closeQuietly(process.getErrorStream());
    Children.unregister(this);
  }
}
