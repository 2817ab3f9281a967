package org.multiprocessing4j.internal.spawn;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.ProcessStartException;

/**
 * A child JVM that runs {@link ChildMain} and is connected to this one, but has not been sent its
 * process object yet: the first half of a launch. {@link Child#launch} either spawns one and hands
 * it the process at once, or takes one that {@link WarmSpares} spawned earlier.
 *
 * <pre>
 *   mkfifo  &lt;runtime dir&gt;/&lt;n&gt;.fifo
 *   spawn [setpriv --pdeathsig KILL --] java [AOT cache] &lt;options&gt; ... ChildMain &lt;fifo&gt; &lt;pid&gt; &lt;name&gt;
 *   open the FIFO to read  &lt;------------------------  open it to write (standard input: ours)
 *   delete the FIFO's name; the child now waits for LAUNCH on its standard input
 * </pre>
 *
 * The command line never depends on the process it will run (its name, daemon flag or target all
 * travel in the LAUNCH payload), so one spawned JVM can become any process launched with the same
 * {@link LaunchSpec} options.
 */
final class SpawnedJvm {

  private static final AtomicLong FIFOS = new AtomicLong();

  final Process process;
  final ControlChannel channel;
  final @Nullable OutputPump out;
  final @Nullable OutputPump err;

  private SpawnedJvm(
      Process process, ControlChannel channel, @Nullable OutputPump out, @Nullable OutputPump err) {
    this.process = process;
    this.channel = channel;
    this.out = out;
    this.err = err;
  }

  /**
   * Launches a child JVM and waits until it connects.
   *
   * @param spec how to launch
   * @param name the name to give the child's bootstrap and our pump threads
   * @param deadline {@link System#nanoTime()} by which the child must connect
   * @param spare whether the child is a warm spare, which warms up while it waits for LAUNCH
   * @return the connected child, waiting for LAUNCH
   * @throws ProcessStartException if the JVM could not start or connect; it is no longer running
   */
  static SpawnedJvm spawn(LaunchSpec spec, String name, long deadline, boolean spare) {
    Path fifo;
    try {
      fifo = RuntimeDir.get().resolve(FIFOS.incrementAndGet() + ".fifo");
    } catch (IOException e) {
      throw new ProcessStartException(
          "cannot create the control FIFO for " + name + ": " + e, null, "", e);
    }
    Connection c =
        connect(
            fifo,
            name,
            deadline,
            spec.startTimeoutNanos(),
            () -> {
              ProcessBuilder pb = new ProcessBuilder(command(spec, fifo, name, spare));
              pb.environment().putAll(spec.environment());
              if (spec.workingDirectory() != null) {
                pb.directory(spec.workingDirectory().toFile());
              }
              // Standard input stays a pipe (the default): the parent-to-child half of the channel.
              pb.redirectOutput(redirect(spec.stdout(), ProcessBuilder.Redirect.INHERIT));
              pb.redirectError(redirect(spec.stderr(), ProcessBuilder.Redirect.INHERIT));
              Process process;
              try {
                process = Spawner.start(pb);
              } catch (IOException e) {
                throw new ProcessStartException(
                    "cannot launch a JVM for " + name + ": " + e.getMessage(), null, "", e);
              }
              OutputPump out =
                  pump(process.getInputStream(), spec.stdout(), () -> System.out, name, "out");
              OutputPump err =
                  pump(process.getErrorStream(), spec.stderr(), () -> System.err, name, "err");
              return new Started(process, out, err);
            });
    ControlChannel channel = new ControlChannel(c.fromChild(), c.process().getOutputStream());
    return new SpawnedJvm(c.process(), channel, c.out(), c.err());
  }

  /**
   * A launched process and its end of the control FIFO, open.
   *
   * @param fromChild what the child writes to the FIFO
   * @param out the pump of its standard output, if piped to us
   * @param err the pump of its standard error, if piped to us
   */
  record Connection(
      Process process, InputStream fromChild, @Nullable OutputPump out, @Nullable OutputPump err) {}

  /**
   * A started process, not yet connected.
   *
   * @param out the pump of its standard output, if piped to us
   * @param err the pump of its standard error, if piped to us
   */
  record Started(Process process, @Nullable OutputPump out, @Nullable OutputPump err) {}

  /** Starts a process whose command names the control FIFO. */
  @FunctionalInterface
  interface Starter {
    /**
     * Starts the process.
     *
     * @throws ProcessStartException if it cannot be started
     */
    Started start();
  }

  /**
   * The handshake of every launch, children's and the AOT training JVM's: makes the FIFO, starts
   * opening it to read, starts the process, and waits until the process opens the FIFO to write.
   * This method owns the FIFO's name: it deletes it in every case before it returns, once both ends
   * are open or given up.
   *
   * @param fifo the FIFO to make; the started command must name it
   * @param deadline {@link System#nanoTime()} by which the child must connect
   * @param timeoutNanos the timeout the deadline came from, for the error message
   * @return the process, with its end of the FIFO
   * @throws ProcessStartException if the FIFO cannot be made, or the process cannot start, exits
   *     before it connects or does not connect in time (it is then killed), or this thread is
   *     interrupted (the process is killed and the interrupt status set)
   */
  static Connection connect(
      Path fifo, String name, long deadline, long timeoutNanos, Starter starter) {
    try {
      Fifo.make(fifo);
    } catch (IOException e) {
      throw new ProcessStartException(
          "cannot create the control FIFO for " + name + ": " + e, null, "", e);
    }
    Process process = null;
    CompletableFuture<InputStream> fromChild = null;
    try {
      fromChild = Fifo.openForReading(fifo, "mp4j-open-" + name);
      Started started = starter.start();
      process = started.process();
      awaitEither(
          fromChild, process, deadline, timeoutNanos, name, started.err(), "connect to its parent");
      return new Connection(process, fromChild.join(), started.out(), started.err());
    } catch (RuntimeException e) {
      killQuietly(process);
      if (process != null) {
        closeQuietly(process.getOutputStream());
      }
      if (fromChild != null) {
        // The child never opened its end: let our open return. Again until it has: the opening
        // thread may reach its open only after an unblock (a launch that failed at once); once
        // the name is deleted below, a late open fails instead of waiting.
        for (int i = 0; i < 100 && !fromChild.isDone(); i++) {
          Fifo.unblock(fifo);
          if (!fromChild.isDone()) {
            sleepQuietly(10);
          }
        }
        var unused = fromChild.thenAccept(SpawnedJvm::closeQuietly);
      }
      throw e;
    } finally {
      try {
        Files.deleteIfExists(fifo); // both ends are open (or given up): the name is not needed
      } catch (IOException e) {
        // The runtime folder is deleted at exit anyway.
      }
    }
  }

  /** Returns the child's {@code java} command line (with its launcher prefix, if any). */
  static List<String> command(LaunchSpec spec, Path fifo, String name, boolean spare) {
    List<String> cmd = new ArrayList<>();
    boolean pdeathsigByLauncher = false;
    if (!setsProperty(spec.jvmOptions(), ChildMain.PDEATHSIG_PROPERTY)) {
      List<String> prefix = DeathSignalLauncher.prefix();
      cmd.addAll(prefix);
      pdeathsigByLauncher = !prefix.isEmpty();
    }
    cmd.add(javaExecutable());
    ChildClassPath cp = ChildClassPath.of(spec.extraClassPath());
    if (spec.aotCache()) {
      // Before the user's options, so that their own -Xlog settings win.
      cmd.addAll(AotCache.options(spec, cp));
    }
    if (pdeathsigByLauncher) {
      cmd.add("-D" + ChildMain.PDEATHSIG_PROPERTY + "=" + ChildMain.PDEATHSIG_BY_LAUNCHER);
    }
    if (spare) {
      cmd.add("-D" + ChildMain.SPARE_PROPERTY + "=true");
      if (!spec.preload().isEmpty()) {
        cmd.add("-D" + ChildMain.PRELOAD_PROPERTY + "=" + String.join(",", spec.preload()));
      }
      String recent = HandleTarget.recentTargets();
      if (!recent.isEmpty()) {
        cmd.add("-D" + ChildMain.RECENT_TARGETS_PROPERTY + "=" + recent);
      }
    }
    cmd.addAll(spec.jvmOptions());
    cmd.addAll(cp.launchOptions(ChildMain.class.getName()));
    cmd.add(fifo.toString());
    cmd.add(Long.toString(ProcessHandle.current().pid()));
    cmd.add(name);
    return cmd;
  }

  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static boolean setsProperty(List<String> jvmOptions, String property) {
    String prefix = "-D" + property + "=";
    for (String option : jvmOptions) {
      if (option.startsWith(prefix) || option.equals("-D" + property)) {
        return true;
      }
    }
    return false;
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
      InputStream in,
      LaunchSpec.Sink sink,
      Supplier<PrintStream> parentStream,
      String name,
      String which) {
    String thread = "mp4j-std" + which + "-" + name;
    return switch (sink.kind()) {
      case PARENT -> new OutputPump(in, parentStream, thread);
      case CAPTURE -> new OutputPump(in, null, thread);
      default -> null;
    };
  }

  /**
   * Waits for a warm spare's SPARE_READY report, sent once it has warmed up.
   *
   * @throws ProcessStartException if it exits, sends something else or the deadline passes; it is
   *     no longer running
   */
  void awaitSpareReady(LaunchSpec spec, String name, long deadline) {
    CompletableFuture<Byte> ready = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("mp4j-ready-" + name)
        .start(
            () -> {
              try {
                ready.complete(channel.read().type());
              } catch (IOException | RuntimeException e) {
                ready.completeExceptionally(e);
              }
            });
    awaitEither(ready, process, deadline, spec.startTimeoutNanos(), name, err, "warm up");
    if (ready.join() != ControlChannel.SPARE_READY) {
      killQuietly(process);
      throw new ProcessStartException(
          name + " sent frame type " + ready.join() + " instead of SPARE_READY", null, "", null);
    }
  }

  /** Kills the JVM, if it runs, and releases our ends of its channel and pipes. */
  void discard() {
    killQuietly(process);
    channel.close(); // also the child's standard input
    closeQuietly(process.getInputStream());
    closeQuietly(process.getErrorStream());
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing a pipe to an exited process: nothing to report.
    }
  }

  /** Waits for {@code step} to complete, failing if the child exits or the deadline passes. */
  static void awaitEither(
      CompletableFuture<?> step,
      Process process,
      long deadline,
      long timeoutNanos,
      String name,
      @Nullable OutputPump err,
      String what) {
    try {
      CompletableFuture.anyOf(step, process.onExit())
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      killQuietly(process);
      throw new ProcessStartException(
          name
              + " did not "
              + what
              + " within "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
              + " ms; the child JVM was killed. Raise ProcessOptions.startTimeout if the machine"
              + " is slow.",
          null,
          err == null ? "" : err.startupText(),
          e);
    } catch (InterruptedException e) {
      killQuietly(process);
      Thread.currentThread().interrupt();
      throw new ProcessStartException(
          "interrupted while starting " + name + "; the child JVM was killed", null, "", e);
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
      throw launchFailed(name, process, text, what);
    }
  }

  static ProcessStartException launchFailed(
      String name, Process process, String text, String what) {
    killQuietly(process);
    Integer code = exitValue(process);
    String msg =
        name
            + ": the child JVM exited"
            + (code == null ? "" : " with code " + code)
            + " before it could "
            + what
            + (text.isBlank()
                ? " (its standard error is not redirected to the parent; look there)"
                : ". It said:\n" + text.strip());
    return new ProcessStartException(msg, code, text, null);
  }

  static @Nullable Integer exitValue(@Nullable Process process) {
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

  /**
   * Sends SIGKILL through the process's handle: {@link Process#destroyForcibly()} would also close
   * our ends of its pipes, cutting off the error output it printed before it was killed (a launch
   * that failed prints why); the pumps end at the pipes' end of stream instead.
   */
  static void killQuietly(@Nullable Process process) {
    if (process != null && process.isAlive()) {
      process.toHandle().destroyForcibly();
    }
  }
}
