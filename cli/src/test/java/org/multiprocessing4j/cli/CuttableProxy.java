package org.multiprocessing4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of a broker, whose {@link #cut()} drops every connection through
 * it at once, as a network failure or a broker restart does, without touching the broker.
 */
final class CuttableProxy implements AutoCloseable {

  private final ServerSocket server;
  private final String uri;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** Starts a proxy to the host and port of {@code brokerUri} (an amqp:// URI). */
  CuttableProxy(String brokerUri) throws IOException {
    URI broker = URI.create(brokerUri);
    String host = broker.getHost();
    int port = broker.getPort() > 0 ? broker.getPort() : 5672;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    String user = broker.getRawUserInfo() == null ? "" : broker.getRawUserInfo() + "@";
    this.uri =
        broker.getScheme()
            + "://"
            + user
            + "127.0.0.1:"
            + server.getLocalPort()
            + (broker.getRawPath() == null ? "" : broker.getRawPath());
    Thread.ofPlatform()
        .daemon()
        .name("cuttable-proxy")
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket in = server.accept();
                  Socket out = new Socket(host, port);
                  sockets.add(in);
                  sockets.add(out);
                  pump(in, out);
                  pump(out, in);
                } catch (IOException e) {
                  // closed: the proxy is ending
                }
              }
            });
  }

  /** The broker's URI through this proxy. */
  String uri() {
    return uri;
  }

  /** Drops every connection made through the proxy so far. */
  void cut() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // one side closed: the other goes too
              }
              try {
                from.close();
                to.close();
              } catch (IOException e) {
                // closing anyway
              }
            });
  }

  @Override
  public void close() throws IOException {
    server.close();
    cut();
  }
}
