package org.multiprocessing4j.internal.pool;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The pool's listening UNIX-domain socket, in a folder of its own with mode 0700 so that no other
 * user can connect: {@code <tmp>/mp4j-<pid>-<pool>-<random>/pool.sock}. Its name starts like the
 * runtime folder of {@code internal.spawn}, whose sweep deletes it when this JVM died without
 * removing it. Workers also prove themselves with a random token (see {@link Wire}).
 */
final class PoolSocket implements AutoCloseable {

  private final Path dir;
  private final Path path;
  private final ServerSocketChannel server;

  private PoolSocket(Path dir, Path path, ServerSocketChannel server) {
    this.dir = dir;
    this.path = path;
    this.server = server;
  }

  /** Binds the socket and starts accepting; each connection goes to {@code onConnect}. */
  static PoolSocket open(String poolName, Consumer<SocketChannel> onConnect) throws IOException {
    String tmp = System.getProperty("java.io.tmpdir", "/tmp");
    Path base = tmp.length() <= 48 ? Path.of(tmp) : Path.of("/tmp"); // socket paths: 107 bytes
    Path dir =
        Files.createDirectories(
            base.resolve(
                "mp4j-"
                    + ProcessHandle.current().pid()
                    + "-"
                    + poolName
                    + "-"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    dir.toFile().deleteOnExit();
    Path path = dir.resolve("pool.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      server.close();
      Files.deleteIfExists(dir);
      throw e;
    }
    path.toFile().deleteOnExit();
    PoolSocket s = new PoolSocket(dir, path, server);
    Thread.ofVirtual()
        .name("mp4j-" + poolName + "-accept")
        .start(
            () -> {
              while (true) {
                try {
                  SocketChannel ch = server.accept();
                  Thread.ofPlatform()
                      .daemon()
                      .name("mp4j-" + poolName + "-connection")
                      .start(() -> onConnect.accept(ch));
                } catch (IOException e) {
                  return; // closed
                }
              }
            });
    return s;
  }

  String path() {
    return path.toString();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    try {
      Files.deleteIfExists(path);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // Swept later, when this JVM is gone.
    }
  }
}
