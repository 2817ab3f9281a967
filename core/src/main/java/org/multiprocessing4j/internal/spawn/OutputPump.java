package org.multiprocessing4j.internal.spawn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Copies one of a child's output streams, as bytes arrive, into a stream of this JVM (looked up at
 * each write, so a {@code System.setOut} made later is honoured) or into memory.
 *
 * <p>It also records the first {@link #STARTUP_LIMIT} bytes until {@link #stopRecording()}, so that
 * a child that dies during launch can be reported with its own error text. One platform daemon
 * thread per pump; it ends at end of stream, which comes when the child and every process that
 * inherited the stream have exited.
 */
final class OutputPump {

  /** How much early output is kept for a launch-failure message. */
  static final int STARTUP_LIMIT = 16 * 1024;

  private final @Nullable Supplier<PrintStream> sink;
  private final @Nullable ByteArrayOutputStream captured; // guarded by itself
  private final ByteArrayOutputStream startup = new ByteArrayOutputStream(); // guarded by itself
  private volatile boolean recording = true;
  private final CountDownLatch ended = new CountDownLatch(1);

  /**
   * Starts pumping.
   *
   * @param in the child's stream
   * @param sink where to copy, or null to capture in memory
   * @param name the thread's name
   */
  OutputPump(InputStream in, @Nullable Supplier<PrintStream> sink, String name) {
    this.sink = sink;
    this.captured = sink == null ? new ByteArrayOutputStream() : null;
    Thread t = new Thread(() -> pump(in), name);
    t.setDaemon(true);
    t.start();
  }

  private void pump(InputStream in) {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (recording) {
          synchronized (startup) {
            int room = STARTUP_LIMIT - startup.size();
            if (room > 0) {
              startup.write(buf, 0, Math.min(room, n));
            }
          }
        }
        if (captured != null) {
          synchronized (captured) {
            captured.write(buf, 0, n);
          }
        } else if (sink != null) {
          PrintStream out = sink.get();
          out.write(buf, 0, n);
          out.flush();
        }
      }
    } catch (IOException e) {
      // The stream was closed under us (close() of the process): nothing more to copy.
    } finally {
      ended.countDown();
    }
  }

  /** Stops keeping the early output, once the child has launched. */
  void stopRecording() {
    recording = false;
    synchronized (startup) {
      startup.reset();
    }
  }

  /** Returns the output kept since the start, while recording. */
  String startupText() {
    synchronized (startup) {
      return startup.toString(Charset.defaultCharset());
    }
  }

  /** Returns everything captured, or the empty string when copying rather than capturing. */
  String capturedText() {
    if (captured == null) {
      return "";
    }
    synchronized (captured) {
      return captured.toString(Charset.defaultCharset());
    }
  }

  /** Waits until the stream ended. */
  boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
    return ended.await(timeout, unit);
  }
}
