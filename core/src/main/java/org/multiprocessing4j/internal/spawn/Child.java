package org.multiprocessing4j.internal.spawn;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
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
 *   bind  <runtime dir>/<n>.sock
 *   spawn java ... ChildMain <sock> <parent pid>  --->  prctl(PDEATHSIG), check getppid()
 *   accept  <-------------------------------------------  connect
 *   send LAUNCH(serialized JvmProcess)  ----------------> deserialize
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

  private static final AtomicLong SOCKETS = new AtomicLong();

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

  private Child(
      Process process,
      boolean daemon,
      Object owner,
      ControlChannel channel,
      @Nullable OutputPump out,
      @Nullable OutputPump err) {
    this.process = process;
    this.pid = process.pid();
    this.daemon = daemon;
    this.owner = owner;
    this.channel = channel;
    this.out = out;
    this.err = err;
  }

  /**
   * Launches a child JVM, hands it the serialized process object, and waits until it reports that
   * the object loaded.
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
    Path socketPath;
    ServerSocketChannel server;
    try {
      socketPath = RuntimeDir.get().resolve(SOCKETS.incrementAndGet() + ".sock");
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socketPath));
    } catch (IOException e) {
      throw new ProcessStartException(
          "cannot create the control socket for " + spec.name() + ": " + e, null, "", e);
    }
    Process process = null;
    OutputPump out = null;
    OutputPump err = null;
    try {
      ProcessBuilder pb = new ProcessBuilder(command(spec, socketPath));
      pb.environment().putAll(spec.environment());
      if (spec.workingDirectory() != null) {
        pb.directory(spec.workingDirectory().toFile());
      }
      pb.redirectOutput(redirect(spec.stdout(), ProcessBuilder.Redirect.INHERIT));
      pb.redirectError(redirect(spec.stderr(), ProcessBuilder.Redirect.INHERIT));
      try {
        process = Spawner.start(pb);
      } catch (IOException e) {
        throw new ProcessStartException(
            "cannot launch a JVM for " + spec.name() + ": " + e.getMessage(), null, "", e);
      }
      out = pump(process.getInputStream(), spec.stdout(), () -> System.out, spec, "stdout");
      err = pump(process.getErrorStream(), spec.stderr(), () -> System.err, spec, "stderr");

      SocketChannel socket = accept(server, process, deadline, spec, err);
      Child child = new Child(process, daemon, owner, new ControlChannel(socket), out, err);
      child.channel.send(ControlChannel.LAUNCH, payload);
      child.startReader(spec.name());
      child.awaitStarted(deadline, spec);
      if (err != null) {
        err.stopRecording();
      }
      Children.register(child);
      return child;
    } catch (IOException e) {
      killQuietly(process);
      throw new ProcessStartException(
          spec.name() + " could not talk to its child JVM: " + e, exitValue(process), "", e);
    } catch (RuntimeException e) {
      killQuietly(process);
      throw e;
    } finally {
      try {
        server.close();
        Files.deleteIfExists(socketPath);
      } catch (IOException e) {
        // The runtime folder is deleted at exit anyway.
      }
    }
  }

  private static List<String> command(LaunchSpec spec, Path socketPath) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(spec.jvmOptions());
    Module module = Child.class.getModule();
    String modulePath = System.getProperty("jdk.module.path");
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path", ""));
    for (Path p : spec.extraClassPath()) {
      if (!cp.isEmpty()) {
        cp.append(File.pathSeparatorChar);
      }
      cp.append(p);
    }
    if (!cp.isEmpty()) {
      cmd.add("-cp");
      cmd.add(cp.toString());
    }
    if (module.isNamed() && modulePath != null) {
      cmd.add("--module-path");
      cmd.add(modulePath);
      cmd.add("--add-modules");
      cmd.add("ALL-MODULE-PATH");
      cmd.add("--enable-native-access=" + module.getName());
      cmd.add("-m");
      cmd.add(module.getName() + "/" + ChildMain.class.getName());
    } else {
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.add(ChildMain.class.getName());
    }
    cmd.add(socketPath.toString());
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    cmd.add(spec.name());
    return cmd;
  }

  private static ProcessBuilder.Redirect redirect(
      LaunchSpec.Sink sink, ProcessBuilder.Redirect inherit) {
    return switch (sink.kind()) {
      case PARENT, CAPTURE -> ProcessBuilder.Redirect.PIPE;
      case INHERIT -> inherit;
      case DISCARD -> ProcessBuilder.Redirect.DISCARD;
      case FILE -> ProcessBuilder.Redirect.to(requireFile(sink));
      case APPEND -> ProcessBuilder.Redirect.appendTo(requireFile(sink));
    };
  }

  private static File requireFile(LaunchSpec.Sink sink) {
    Path file = sink.file();
    if (file == null) {
      throw new IllegalArgumentException("output " + sink.kind() + " has no file");
    }
    return file.toFile();
  }

  private static @Nullable OutputPump pump(
      java.io.InputStream in,
      LaunchSpec.Sink sink,
      Supplier<PrintStream> parentStream,
      LaunchSpec spec,
      String which) {
    String thread = "mp4j-" + which + "-" + spec.name();
    return switch (sink.kind()) {
      case PARENT -> new OutputPump(in, parentStream, thread);
      case CAPTURE -> new OutputPump(in, null, thread);
      default -> null;
    };
  }

  private static SocketChannel accept(
      ServerSocketChannel server,
      Process process,
      long deadline,
      LaunchSpec spec,
      @Nullable OutputPump err)
      throws IOException {
    CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("mp4j-accept-" + spec.name())
        .start(
            () -> {
              try {
                accepted.complete(server.accept());
              } catch (IOException e) {
                accepted.completeExceptionally(e);
              }
            });
    awaitEither(accepted, process, deadline, spec, err, "connect to its parent");
    return accepted.join();
  }

  private void startReader(String name) {
    Thread.ofVirtual().name("mp4j-control-" + name).start(this::readLoop);
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
    awaitEither(started, process, deadline, spec, err, "load its target");
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
      throw launchFailed(spec, process, text, "load its target");
    }
  }

  /** Waits for {@code step} to complete, failing if the child exits or the deadline passes. */
  private static void awaitEither(
      CompletableFuture<?> step,
      Process process,
      long deadline,
      LaunchSpec spec,
      @Nullable OutputPump err,
      String what) {
    try {
      CompletableFuture.anyOf(step, process.onExit())
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      killQuietly(process);
      throw new ProcessStartException(
          spec.name()
              + " did not "
              + what
              + " within "
              + TimeUnit.NANOSECONDS.toMillis(spec.startTimeoutNanos())
              + " ms; the child JVM was killed. Raise ProcessOptions.startTimeout if the machine"
              + " is slow.",
          null,
          err == null ? "" : err.startupText(),
          e);
    } catch (InterruptedException e) {
      killQuietly(process);
      Thread.currentThread().interrupt();
      throw new ProcessStartException(
          "interrupted while starting " + spec.name() + "; the child JVM was killed", null, "", e);
    } catch (ExecutionException e) {
      // The step failed (accept was closed): fall through to the exit check below.
    }
    if (!step.isDone() || step.isCompletedExceptionally()) {
      String text = "";
      if (err != null) {
        try {
          err.awaitEnd(2, TimeUnit.SECONDS); // let the child's last words arrive
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        text = err.startupText();
      }
      throw launchFailed(spec, process, text, what);
    }
  }

  private static ProcessStartException launchFailed(
      LaunchSpec spec, Process process, String text, String what) {
    killQuietly(process);
    Integer code = exitValue(process);
    String msg =
        spec.name()
            + ": the child JVM exited"
            + (code == null ? "" : " with code " + code)
            + " before it could "
            + what
            + (text.isBlank()
                ? " (its standard error is not redirected to the parent; look there)"
                : ". It said:\n" + text.strip());
    return new ProcessStartException(msg, code, text, null);
  }

  private static @Nullable Integer exitValue(@Nullable Process process) {
    if (process == null) {
      return null;
    }
    try {
      process.waitFor(2, TimeUnit.SECONDS);
      return process.exitValue();
    } catch (IllegalThreadStateException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static void killQuietly(@Nullable Process process) {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
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
      // A grandchild holding the socket open cannot keep us waiting.
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

  /** Sends SIGTERM. */
  public void terminate() {
    if (process.isAlive()) {
      signalSent = 15;
      process.destroy();
    }
  }

  /** Sends SIGKILL. */
  public void kill() {
    if (process.isAlive()) {
      signalSent = 9;
      process.destroyForcibly();
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
    channel.close();
    closeQuietly(process.getOutputStream());
    closeQuietly(process.getInputStream());
    closeQuietly(process.getErrorStream());
    Children.unregister(this);
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing a pipe to an exited process: nothing to report.
    }
  }
}
