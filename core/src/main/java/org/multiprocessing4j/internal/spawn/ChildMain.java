package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.internal.codec.JavaSerialization;
import org.multiprocessing4j.internal.codec.ThrowableInfo;
import org.multiprocessing4j.internal.os.Libc;
import org.multiprocessing4j.internal.os.Signals;

/**
 * The main class of every child JVM: {@code ChildMain <socket> <parent pid> <name>}.
 *
 * <p>In order: ask for SIGKILL when the parent dies and check the parent did not die already;
 * connect the control channel; load the process object; start the watch on the parent; report
 * STARTED; run the target in the main thread. An uncaught exception is printed to standard error
 * (as Python prints a child's traceback), reported to the parent, and ends the JVM with status 1. A
 * normal return ends {@code main}, so the JVM exits when the target's own non-daemon threads end,
 * with status 0, as a Python child joins its threads.
 *
 * <p>This is the only class of the library that calls {@code System.exit} and {@code Runtime.halt}.
 */
public final class ChildMain {

  /** How often the parent's pid is compared with ours' parent, as a backstop to the other two. */
  private static final long PARENT_POLL_MILLIS = 500;

  /**
   * Set to {@code false} to skip PR_SET_PDEATHSIG, leaving the control channel and the parent-pid
   * poll to notice a dead parent; the tests use it to prove those work alone.
   */
  public static final String PDEATHSIG_PROPERTY = "org.multiprocessing4j.pdeathsig";

  private ChildMain() {}

  /**
   * Runs a child.
   *
   * @param args the control socket path, the parent's pid and the process name
   */
  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println(
          "ChildMain is started by multiprocessing4j (JvmProcess.start), not by hand.");
      System.exit(2);
    }
    long parentPid = Long.parseLong(args[1]);
    if (!"false".equals(System.getProperty(PDEATHSIG_PROPERTY))) {
      Libc.setParentDeathSignal(Libc.SIGKILL);
    }
    if (parentPid() != parentPid) {
      Runtime.getRuntime().halt(1); // the parent died before PDEATHSIG was armed
    }
    ControlChannel channel;
    try {
      SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
      socket.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
      channel = new ControlChannel(socket);
    } catch (IOException e) {
      System.err.println(args[2] + ": cannot connect to the parent's control socket: " + e);
      System.exit(1);
      return;
    }

    JvmProcess process;
    try {
      ControlChannel.Frame launch = channel.read();
      if (launch.type() != ControlChannel.LAUNCH) {
        throw new IOException("expected LAUNCH, got frame type " + launch.type());
      }
      ClassLoader loader = ClassLoader.getSystemClassLoader();
      process = (JvmProcess) JavaSerialization.deserialize(launch.payload(), loader);
    } catch (Throwable t) {
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
    watchParent(channel, parentPid);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> sendQuietly(channel, ControlChannel.SHUTDOWN), "mp4j-shutdown-report"));
    for (String name : new String[] {"TERM", "INT", "HUP"}) {
      handleSignal(channel, name);
    }

    try {
      channel.send(ControlChannel.STARTED, new byte[0]);
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
   * Ends this JVM at once when the parent dies: the control channel reaches end of stream, or our
   * parent pid changes (we were re-parented). PR_SET_PDEATHSIG does the same from the kernel.
   */
  private static void watchParent(ControlChannel channel, long parentPid) {
    Thread reader =
        new Thread(
            () -> {
              try {
                while (true) {
                  channel.read(); // the parent sends nothing more yet; EOF means it is gone
                }
              } catch (IOException | RuntimeException e) {
                Runtime.getRuntime().halt(1);
              }
            },
            "mp4j-parent-watch");
    reader.setDaemon(true);
    reader.start();
    Thread poll =
        new Thread(
            () -> {
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
            },
            "mp4j-parent-poll");
    poll.setDaemon(true);
    poll.start();
  }

  private static long parentPid() {
    return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
  }

  private static void sendQuietly(ControlChannel channel, byte type) {
    try {
      channel.send(type, new byte[0]);
    } catch (IOException ignored) {
      // The parent is gone.
    }
  }
}
