package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Turns a failure to open a connection into an exception whose message says what happened and what
 * to do, and never shows the password.
 *
 * <p>Why: the RabbitMQ client reports a refused {@code connection.open} (an unknown virtual host,
 * or one the user may not use) as an {@link IOException} without a message, whose cause holds the
 * broker's reason; its {@code toString()} alone reads "java.io.IOException".
 */
final class ConnectFailure {

  private ConnectFailure() {}

  /**
   * Describes {@code e}, thrown by {@link ConnectionFactory#newConnection} of {@code f}.
   *
   * @param s the settings, for the URI without its password
   * @param f the factory, configured: its user name and virtual host are the ones used
   * @param e what the client threw
   * @return the exception to throw, with {@code e} as its cause
   */
  static UncheckedIOException of(Settings s, ConnectionFactory f, Exception e) {
    IOException cause = e instanceof IOException io ? io : new IOException(e);
    return new UncheckedIOException(message(s, f, e), cause);
  }

  private static String message(Settings s, ConnectionFactory f, Exception e) {
    String at = "the RabbitMQ broker at " + s.redactedUri();
    String user = "\"" + f.getUsername() + "\"";
    String vhost = "\"" + f.getVirtualHost() + "\"";
    if (e instanceof AuthenticationFailureException) {
      return at
          + " refused the login of user "
          + user
          + " ("
          + e.getMessage()
          + "). Check the user name and password (in the URI, or given with credentials()): the"
          + " user must exist on that broker (rabbitmqctl list_users), and RabbitMQ lets its"
          + " default user guest log in only from localhost";
    }
    if (e instanceof PossibleAuthenticationFailureException) {
      return at
          + " closed the connection during the login of user "
          + user
          + ", which most often means that it refused the credentials. Check the user name and"
          + " password (in the URI, or given with credentials()); the broker's log says more";
    }
    SSLException tls = tlsFailure(e);
    if (tls != null) {
      boolean plainPort = String.valueOf(tls.getMessage()).contains("unrecognized SSL message");
      return "the TLS handshake with "
          + at
          + " failed ("
          + tls
          + "). "
          + (plainPort
              ? "Is that port the broker's TLS listener? amqps:// and tls(true) need that one"
                  + " (5671 by default), not the plain AMQP port. "
              : "")
          + "The broker's certificate must be trusted, by an SSLContext given with"
          + " sslContext(...) or by the JVM's trust store (-Djavax.net.ssl.trustStore=...), and"
          + " must name the URI's host";
    }
    AMQP.Connection.@Nullable Close close = closeReason(e);
    if (close != null && close.getReplyCode() == AMQP.NOT_ALLOWED) {
      String why = close.getReplyText();
      if (why.contains("not found")) {
        return at
            + " has no virtual host "
            + vhost
            + " ("
            + why
            + "). The URI's path names the virtual host: the default one, '/', is written %2F"
            + " (amqp://host:5672/%2F), and a bare trailing slash names the empty one. Fix the"
            + " path, or create the virtual host on the broker (rabbitmqctl add_vhost '"
            + f.getVirtualHost()
            + "')";
      }
      return at
          + " refused user "
          + user
          + " access to virtual host "
          + vhost
          + " ("
          + why
          + "). Give the user permissions there (rabbitmqctl set_permissions -p '"
          + f.getVirtualHost()
          + "' '"
          + f.getUsername()
          + "' '.*' '.*' '.*'), or name a virtual host it may use (the default one, '/', is"
          + " written %2F)";
    }
    if (close != null) {
      return at + " closed the connection as it opened: " + close.getReplyText();
    }
    return "cannot connect to "
        + at
        + ": "
        + root(e)
        + ". Is it running there, and are the host and port right?";
  }

  /** The broker's reason for closing the connection, if one is among the causes. */
  private static AMQP.Connection.@Nullable Close closeReason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException sse
          && sse.getReason() instanceof AMQP.Connection.Close c) {
        return c;
      }
    }
    return null;
  }

  /** The TLS failure among the causes, if there is one. */
  private static @Nullable SSLException tlsFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  /** The innermost cause with a message, as "type: message". */
  private static String root(Throwable e) {
    Throwable shown = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        shown = t;
      }
    }
    return shown.toString();
  }
}
