package org.multiprocessing4j.internal.spawn;

import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectStreamClass;
import java.lang.reflect.Method;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.internal.codec.JavaSerialization;
import org.multiprocessing4j.internal.codec.ThrowableInfo;
import org.multiprocessing4j.internal.os.Libc;
import org.multiprocessing4j.internal.os.Signals;

/**
 * The main class of every child JVM: {@code ChildMain <fifo> <parent pid> <name>}.
 *
 * <p>In order: ask for SIGKILL when the parent dies (unless the launcher already did) and check the
 * parent did not die already; open the control channel (standard input from the parent, the FIFO to
 * it; {@code System.in} becomes empty); install the shutdown report, and the signal handlers on a
 * second thread; load the process object (from the compact LAUNCH form of {@link CompactLaunch}
 * when the parent could use it, else by Java serialization); wait for the handlers; start the watch
 * on the parent; report STARTED; run the target in the main thread. Everything before loading the
 * process object is done before the parent sends it, so a warm spare JVM (see {@code WarmSpares})
 * has done it all while it waits. An uncaught exception is printed to standard error (as Python
 * prints a child's traceback), reported to the parent, and ends the JVM with status 1. A normal
 * return ends {@code main}, so the JVM exits when the target's own non-daemon threads end, with
 * status 0, as a Python child joins its threads.
 *
 * <p>This is the only class of the library that calls {@code System.exit} and {@code Runtime.halt}.
 */
public final class ChildMain {

  /** How often the parent's pid is compared with ours' parent, as a backstop to the other two. */
  private static final long PARENT_POLL_MILLIS = 500;

  /** Deserializations a spare runs while it waits, enough for the JIT to compile the hot path. */
  private static final int WARM_UP_ROUNDS = 200;

  /**
   * Set to {@code false} to skip PR_SET_PDEATHSIG, leaving the control channel and the parent-pid
   * poll to notice a dead parent; the tests use it to prove those work alone.
   */
  public static final String PDEATHSIG_PROPERTY = "org.multiprocessing4j.pdeathsig";

  /**
   * The value of {@link #PDEATHSIG_PROPERTY} that says the launcher ({@code setpriv --pdeathsig
   * KILL}) armed PR_SET_PDEATHSIG before it executed {@code java}, which keeps it: the child then
   * skips its own FFM call, whose downcall linking costs 100 ms and more of a cold start.
   */
  static final String PDEATHSIG_BY_LAUNCHER = "launcher";

  /**
   * Set to {@code true} on the command line of a warm spare JVM ({@link WarmSpares}): before it
   * waits for LAUNCH, it warms up what loading and starting a process does the first time.
   */
  static final String SPARE_PROPERTY = "org.multiprocessing4j.spare";

  /**
   * On a warm spare's command line, the comma-separated classes it loads and initializes while it
   * waits ({@code ProcessOptions.Builder.preload}).
   */
  static final String PRELOAD_PROPERTY = "org.multiprocessing4j.preload";

  /**
   * On a warm spare's command line, the methods of the parent's latest handle targets, which the
   * spare resolves while it waits ({@link HandleTarget#recentTargets()}).
   */
  static final String RECENT_TARGETS_PROPERTY = "org.multiprocessing4j.recentTargets";

  /** Set by the shutdown report once it has closed the channel on purpose. */
  private static volatile boolean channelClosed;

  private ChildMain() {}

  /**
   * Runs a child.
   *
   * @param args the control FIFO's path, the parent's pid and the process name
   */
  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println(
          "ChildMain is started by multiprocessing4j (JvmProcess.start), not by hand.");
      System.exit(2);
    }
    long parentPid = Long.parseLong(args[1]);
    String pdeathsig = System.getProperty(PDEATHSIG_PROPERTY);
    if (!"false".equals(pdeathsig) && !PDEATHSIG_BY_LAUNCHER.equals(pdeathsig)) {
      Libc.setParentDeathSignal(Libc.SIGKILL);
    }
    if (parentPid() != parentPid) {
      Runtime.getRuntime().halt(1); // the parent died before PDEATHSIG was armed
    }
    // Before the FIFO's open, which waits for the parent, and before LAUNCH, so that a warm spare
    // has it running already.
    Thread poll = new Thread(new ParentPoll(parentPid), "mp4j-parent-poll");
    poll.setDaemon(true);
    poll.start();
    ControlChannel channel;
    try {
      // Our standard input is the parent's half of the channel, its end of stream the parent's
      // death. Read through a FileChannel, which a close wakes (see reportShutdown); the target
      // gets an empty System.in instead, as Python gives its children os.devnull.
      InputStream fromParent =
          Channels.newInputStream(new FileInputStream(FileDescriptor.in).getChannel());
      // Blocks until the parent opens the FIFO to read, which it does right after the launch.
      channel = new ControlChannel(fromParent, new FileOutputStream(args[0]));
    } catch (IOException e) {
      System.err.println(args[2] + ": cannot open the parent's control FIFO: " + e);
      System.exit(1);
      return;
    }
    System.setIn(InputStream.nullInputStream());
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> reportShutdown(channel), "mp4j-shutdown-report"));
    // On a thread of its own, while this one waits for LAUNCH and loads the process object: the
    // handlers' class is spun at run time (see Signals), tens of milliseconds of a cold child that
    // a second core can take. Joined before STARTED (and before a spare says it is ready), so the
    // target always runs with them in place.
    Thread handlers =
        new Thread(
            () -> {
              for (String name : new String[] {"TERM", "INT", "HUP"}) {
                handleSignal(channel, name);
              }
            },
            "mp4j-signal-setup");
    handlers.setDaemon(true);
    handlers.start();

    if (Boolean.getBoolean(SPARE_PROPERTY)) {
      warmUp();
      joinUninterruptibly(handlers);
      try {
        channel.send(ControlChannel.SPARE_READY, new byte[0]);
      } catch (IOException e) {
        Runtime.getRuntime().halt(1); // the parent is gone
      }
    }

    JvmProcess process;
    try {
      ControlChannel.Frame launch;
      try {
        launch = channel.read();
      } catch (EOFException e) {
        // The parent died, or ended this spare JVM unused: nobody is left to read an error.
        Runtime.getRuntime().halt(1);
        return;
      }
      if (launch.type() != ControlChannel.LAUNCH) {
        throw new IOException("expected LAUNCH, got frame type " + launch.type());
      }
      ClassLoader loader = ClassLoader.getSystemClassLoader();
      byte[] payload = launch.payload();
      process =
          (JvmProcess)
              (CompactLaunch.isCompact(payload)
                  ? CurrentProcess.copyOf(CompactLaunch.decode(payload, loader), loader)
                  : HandleTarget.readFromParent(payload, loader));
    } catch (Throwable t) {
      if (channelClosed) {
        return; // a signal is ending this JVM (a spare terminated while it waited): say nothing
      }
      ThrowableInfo info = ThrowableInfo.of(t);
      try {
        channel.send(ControlChannel.START_FAILED, info::write);
      } catch (IOException ignored) {
        // The parent will see the exit instead.
      }
      System.err.println(args[2] + ": cannot load the process object sent by the parent:");
      t.printStackTrace();
      System.exit(1);
      return;
    }

    CurrentProcess.set(process, parentPid);
    joinUninterruptibly(handlers);

    try {
      channel.send(ControlChannel.STARTED, new byte[0]);
      // After STARTED, which the parent waits for; PR_SET_PDEATHSIG and the poll cover the gap.
      watchChannel(channel);
      process.run();
    } catch (Throwable t) {
      System.err.println(
          "Process " + process.name() + " (pid " + ProcessHandle.current().pid() + "):");
      t.printStackTrace();
      System.err.flush();
      try {
        channel.send(ControlChannel.UNCAUGHT, ThrowableInfo.of(t)::write);
      } catch (IOException ignored) {
        // The parent is gone; nothing to tell.
      }
      System.exit(1);
    }
  }

  /** Waits for a thread to end; nothing interrupts the main thread of a child this early. */
  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Turns a termination signal into a report to the parent followed by the JVM's usual exit. */
  private static void handleSignal(ControlChannel channel, String name) {
    Signals.handle(
        name,
        signo -> {
          try {
            channel.send(ControlChannel.SIGNALLED, out -> out.writeInt(signo));
          } catch (IOException ignored) {
            // The parent is gone.
          }
          System.exit(128 + signo);
        });
  }

  /**
   * Ends this JVM at once when the parent dies and the control channel reaches end of stream. The
   * parent-pid poll (started before LAUNCH) and PR_SET_PDEATHSIG do the same in other ways.
   */
  private static void watchChannel(ControlChannel channel) {
    Thread reader = new Thread(new ParentWatch(channel), "mp4j-parent-watch");
    reader.setDaemon(true);
    reader.start();
  }

  // Classes rather than lambdas: a lambda's class is spun when its line first runs, which for these
  // is after LAUNCH, on the path a warm spare must keep short.

  /** Reads the control channel; its end of stream means the parent is gone. */
  private static final class ParentWatch implements Runnable {
    private final ControlChannel channel;

    ParentWatch(ControlChannel channel) {
      this.channel = channel;
    }

    @Override
    public void run() {
      try {
        while (true) {
          channel.read(); // the parent sends nothing more yet; EOF means it is gone
        }
      } catch (IOException | RuntimeException e) {
        if (!channelClosed) {
          Runtime.getRuntime().halt(1);
        }
      }
    }
  }

  /** Compares our parent's pid with the expected one, as a backstop to the other two watches. */
  private static final class ParentPoll implements Runnable {
    private final long parentPid;

    ParentPoll(long parentPid) {
      this.parentPid = parentPid;
    }

    @Override
    public void run() {
      while (true) {
        try {
          Thread.sleep(PARENT_POLL_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        if (parentPid() != parentPid) {
          Runtime.getRuntime().halt(1);
        }
      }
    }
  }

  /**
   * In a warm spare, while it waits for LAUNCH: does, until the JIT has compiled the hot paths,
   * what loading a process does (Java serialization, deserializing lambdas with and without
   * arguments, among them the wrappers that {@code JvmProcess} puts around a target with
   * arguments), and loads the classes that starting it uses, so that after LAUNCH little more than
   * the process's own classes is left to load. Nothing here touches a process object, so a spare
   * keeps no trace of it (a {@code JvmProcess} made here would use up a name). Failures are
   * ignored: the real load reports its own.
   */
  private static void warmUp() {
    ClassLoader loader = ClassLoader.getSystemClassLoader();
    List<Object> samples = new ArrayList<>();
    samples.add((ProcessTarget) ChildMain::warmUpTarget);
    // A target whose class is not initialized yet, as a recent target's class is (see
    // HandleTarget.resolveAhead): its first call goes through the class-initialization check.
    samples.add((ProcessTarget) NotYetInitialized::target);
    ProcessTarget.Arg1<String> withArgument = ChildMain::warmUpTarget;
    samples.add(withArgument);
    Object wrapped = wrapWithArg(withArgument, "warm-up");
    if (wrapped != null) {
      samples.add(wrapped);
    }
    try {
      for (int i = 0; i < WARM_UP_ROUNDS; i++) {
        for (Object sample : samples) {
          // As a process object is sent: its lambdas become HandleTargets, which are then run;
          // in the compact form (most processes) and Java-serialized (the others).
          byte[] compact = CompactLaunch.tryEncode("warm-up", false, "0", null, sample);
          if (compact != null) {
            runWarmUpCopy(sample, CompactLaunch.decode(compact, loader).target());
          }
          runWarmUpCopy(
              sample,
              HandleTarget.readFromParent(
                  JavaSerialization.serialize(sample, "warm-up", HandleTarget::replace), loader));
        }
      }
      ObjectStreamClass.lookup(JvmProcess.class);
      Class.forName(JvmProcess.class.getName(), true, loader); // and its CurrentProcess.Copier
      Class.forName(ParentWatch.class.getName(), true, loader);
      Class.forName(ParentPoll.class.getName(), true, loader);
    } catch (Exception e) {
      // Only a warm-up.
    }
    preload(loader);
    HandleTarget.resolveAhead(System.getProperty(RECENT_TARGETS_PROPERTY, ""), loader);
  }

  /**
   * Returns the lambda {@code JvmProcess} wraps around a target with one argument (private, in this
   * module), or null if it is renamed or gone.
   */
  static @Nullable Object wrapWithArg(ProcessTarget.Arg1<?> target, Object arg) {
    try {
      Method wrap =
          JvmProcess.class.getDeclaredMethod("withArg", ProcessTarget.Arg1.class, Object.class);
      wrap.setAccessible(true);
      return wrap.invoke(null, target, arg);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** Runs a warm-up sample's copy as the sample's interface says. */
  private static void runWarmUpCopy(Object sample, Object copy) throws Exception {
    if (sample instanceof ProcessTarget.Arg1<?>) {
      @SuppressWarnings("unchecked")
      ProcessTarget.Arg1<String> withString = (ProcessTarget.Arg1<String>) copy;
      withString.run("warm-up");
    } else {
      ((ProcessTarget) copy).run();
    }
  }

  /**
   * Loads, links and initializes the classes named by {@link #PRELOAD_PROPERTY}, and prepares their
   * serialization descriptors; a class that cannot be loaded or initialized is skipped.
   */
  private static void preload(ClassLoader loader) {
    String names = System.getProperty(PRELOAD_PROPERTY, "");
    for (String name : names.split(",", -1)) {
      if (name.isEmpty()) {
        continue;
      }
      try {
        Class<?> c = Class.forName(name, true, loader);
        if (java.io.Serializable.class.isAssignableFrom(c)) {
          ObjectStreamClass.lookup(c);
        }
      } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
        // The process that needs the class reports its own error.
      }
    }
  }

  private static void warmUpTarget() {}

  /** Holds a warm-up target; initialized by the warm-up's first call of it. */
  private static final class NotYetInitialized {
    private NotYetInitialized() {}

    static void target() {}
  }

  private static void warmUpTarget(String argument) {}

  private static long parentPid() {
    return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
  }

  /**
   * Tells the parent that this JVM shuts down in an orderly way, then closes the channel. Closing
   * matters for speed: the parent watch is blocked in a native read of standard input, which the
   * close of its FileChannel wakes (with a signal to the thread), and a JVM that exits with a
   * thread in native code waits 300 ms for it (HotSpot's VM_Exit), which would add 300 ms to every
   * child's exit.
   */
  private static void reportShutdown(ControlChannel channel) {
    try {
      channel.send(ControlChannel.SHUTDOWN, new byte[0]);
    } catch (IOException ignored) {
      // The parent is gone.
    }
    channelClosed = true;
    channel.close();
  }
}
