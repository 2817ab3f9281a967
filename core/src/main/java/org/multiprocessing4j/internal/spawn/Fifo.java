package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.multiprocessing4j.internal.os.Libc;

/**
 * Named pipes (FIFOs): the child-to-parent half of a control channel.
 *
 * <p>Why not a UNIX-domain socket: the first {@code SocketChannel} of the UNIX family a JVM opens
 * runs {@code sun.nio.ch.UnixDomainSockets}' class initializer, which creates a {@code
 * SecureRandom} and so loads the security providers: 100 ms and more of a cold child (20 to 30 ms
 * with the AOT cache). Opening a FIFO is a {@code FileOutputStream}, already loaded by every JVM.
 *
 * <p>Made by the parent only ({@link Libc#mkfifo}, or the {@code mkfifo} program when this module
 * has no native access), so the child links nothing. Opening a FIFO blocks until the other end is
 * opened too, so {@link #openForReading} waits for the child's open with a way out when the child
 * dies first.
 */
final class Fifo {

  private Fifo() {}

  /**
   * Creates a FIFO readable and writable by this user only.
   *
   * @throws IOException if it cannot be created (the path exists, the folder is not writable)
   */
  static void make(Path path) throws IOException {
    int result = Libc.mkfifo(path.toString(), 0600);
    if (result == Libc.UNSUPPORTED) {
      makeByProgram(path); // no native access here
    } else if (result != 0) {
      throw new IOException("mkfifo " + path + " failed (does it exist already?)");
    }
  }

  private static void makeByProgram(Path path) throws IOException {
    Process p =
        new ProcessBuilder("mkfifo", "-m", "600", path.toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String said;
    try (InputStream in = p.getInputStream()) {
      said = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("mkfifo " + path + " did not end within 10 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making the FIFO " + path, e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("mkfifo " + path + " failed: " + said);
    }
  }

  /**
   * Starts opening the FIFO for reading on a thread of its own; the open completes when the other
   * side opens it for writing, or when {@link #unblock} is called. A platform thread: the open
   * blocks in the kernel, where a virtual thread would hold its carrier.
   */
  static CompletableFuture<InputStream> openForReading(Path path, String threadName) {
    CompletableFuture<InputStream> opened = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name(threadName)
        .start(
            () -> {
              try {
                FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
                // Channels' stream: closing it wakes a reader blocked in read, as a socket did.
                opened.complete(Channels.newInputStream(ch));
              } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
              }
            });
    return opened;
  }

  /**
   * Completes a pending {@link #openForReading} whose writer will never come (the child died, the
   * wait timed out): opens the FIFO read-write, which never blocks on Linux and counts as a writer,
   * and closes it, so the reader's open returns and its first read sees end of stream.
   */
  static void unblock(Path path) {
    if (!Files.exists(path)) {
      return; // "rw" would create a plain file; with the name gone nobody is opening it
    }
    try {
      new RandomAccessFile(path.toFile(), "rw").close(); // opening is all it takes
    } catch (IOException e) {
      // The FIFO is gone: then nobody is blocked opening it.
    }
  }
}
