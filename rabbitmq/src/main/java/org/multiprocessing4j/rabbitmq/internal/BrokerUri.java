package org.multiprocessing4j.rabbitmq.internal;

import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Checks a broker URI before anything connects, and hides its password in messages.
 *
 * <p>Why the check: the RabbitMQ client reads the URI with {@link java.net.URI} and skips the parts
 * it finds null. {@code java.net.URI} gives a null host for a name with an underscore ({@code
 * amqp://my_host/%2F}), a port that is not a number ({@code amqp://host:abc/}), or a missing
 * authority ({@code amqp:/host}), and the client then connects to its default, localhost:5672: the
 * wrong broker, with no error. Other mistakes (a port out of range, two path segments, a password
 * with ':') fail only at connection time, with the client's raw exceptions. {@link #check} refuses
 * all of them when the URI is given.
 */
public final class BrokerUri {

  private static final String FORM = "amqp://user:password@host:5672/%2F";

  private BrokerUri() {}

  /**
   * Checks that {@code uri} is an {@code amqp} or {@code amqps} URI that the RabbitMQ client reads
   * as written: a host, a port from 1 to 65535 if any, at most one path segment (the virtual host),
   * user info of the form {@code user} or {@code user:password}.
   *
   * @param uri the URI
   * @throws IllegalArgumentException if it is not; the message says what is wrong and shows the URI
   *     without its password
   */
  public static void check(String uri) {
    String shown = "\"" + redact(uri) + "\"";
    URI u;
    try {
      u = new URI(uri);
    } catch (URISyntaxException e) {
      // Not e.getMessage(), nor e as the cause: both quote the whole string, password included.
      throw new IllegalArgumentException(
          "not a valid URI ("
              + e.getReason()
              + " at index "
              + e.getIndex()
              + "): "
              + shown
              + ". Write it as "
              + FORM
              + ", with reserved characters in the user name and password percent-encoded ('@'"
              + " as %40, ':' as %3A, '/' as %2F, a space as %20), or pass those with"
              + " credentials(user, password)");
    }
    String scheme = u.getScheme();
    if (!"amqp".equals(scheme) && !"amqps".equals(scheme)) {
      throw new IllegalArgumentException(
          "the broker URI must start with amqp:// or amqps://, got: " + shown);
    }
    String host = u.getHost();
    if (host == null) {
      throw new IllegalArgumentException(whyNoHost(uri, u, shown));
    }
    int port = u.getPort();
    if (port == 0 || port > 65535) {
      throw new IllegalArgumentException(
          "the port "
              + port
              + " in the broker URI "
              + shown
              + " is out of range: give one from 1 to 65535, or leave ':port' out for 5672 (5671"
              + " with amqps)");
    }
    String userInfo = u.getRawUserInfo();
    if (userInfo != null && (userInfo.split(":", -1).length > 2 || userInfo.startsWith(":"))) {
      throw new IllegalArgumentException(
          "the user info of the broker URI "
              + shown
              + " must be user or user:password, with a non-empty user name; percent-encode a ':'"
              + " in the password as %3A, or pass the credentials with credentials(user,"
              + " password)");
    }
    String path = u.getRawPath();
    if (path != null && path.indexOf('/', 1) >= 0) {
      throw new IllegalArgumentException(
          "the broker URI "
              + shown
              + " has more than one path segment; its path is the name of one virtual host, with"
              + " each '/' in the name written %2F: the default virtual host '/' is /%2F, as in "
              + FORM);
    }
  }

  /** Says why {@code java.net.URI} found no host in a URI that otherwise parsed. */
  private static String whyNoHost(String uri, URI u, String shown) {
    String noHost =
        "the broker URI "
            + shown
            + " names no host, and the RabbitMQ client would connect to localhost:5672 in its"
            + " place; write the host after two slashes, as in "
            + FORM;
    String authority = u.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      return noHost;
    }
    int at = authority.lastIndexOf('@');
    boolean atInUserInfo = at > 0 && authority.lastIndexOf('@', at - 1) >= 0;
    boolean atAfterAuthority = uri.indexOf('@', uri.indexOf("://") + 3 + authority.length()) >= 0;
    if (atInUserInfo || atAfterAuthority) {
      // An '@' in the user info, or one after a '/', '?' or '#' that ended the authority early:
      // a password with a reserved character. Nothing of the user info goes in the message.
      return "the broker URI "
          + shown
          + " has no host that can be read: the user name or password seems to hold a reserved"
          + " character ('@', '/', '?', '#' or ':'); percent-encode it ('@' as %40, '/' as %2F, '?'"
          + " as %3F, '#' as %23, ':' as %3A), or pass the credentials with credentials(user,"
          + " password)";
    }
    String hostPort = authority.substring(at + 1);
    int colon =
        hostPort.startsWith("[")
            ? hostPort.indexOf(':', Math.max(0, hostPort.indexOf(']')))
            : hostPort.lastIndexOf(':');
    String name = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
    String port = colon >= 0 ? hostPort.substring(colon + 1) : "";
    if (!port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return "the port \""
          + port
          + "\" in the broker URI "
          + shown
          + " is not a number: give one from 1 to 65535, or leave ':port' out for 5672 (5671 with"
          + " amqps)";
    }
    if (!port.isEmpty() && new BigInteger(port).compareTo(BigInteger.valueOf(65535)) > 0) {
      return "the port "
          + port
          + " in the broker URI "
          + shown
          + " is out of range: give one from 1 to 65535, or leave ':port' out for 5672 (5671 with"
          + " amqps)";
    }
    if (name.isEmpty()) {
      return noHost;
    }
    if (name.contains("_")) {
      return "the host name \""
          + name
          + "\" in the broker URI "
          + shown
          + " has an underscore, which java.net.URI, and so the RabbitMQ client, does not accept"
          + " in a host name (the client would connect to localhost:5672 instead); use the host's"
          + " IP address, or a name without '_' (for example a docker-compose service or network"
          + " alias with '-')";
    }
    return "the host \""
        + name
        + "\" in the broker URI "
        + shown
        + " is not a valid host: use a host name (labels of letters, digits and '-', separated by"
        + " '.', none starting or ending with '-', the last not starting with a digit), an IPv4"
        + " address, or an IPv6 address in brackets ([::1])";
  }

  /**
   * Returns {@code uri} with its password replaced by {@code ***}, for messages. Robust to a
   * malformed URI: everything between the user name and the last '@' is hidden.
   *
   * @param uri any string given as a URI
   * @return the string to show
   */
  public static String redact(String uri) {
    int slashes = uri.indexOf("://");
    int userStart = slashes >= 0 ? slashes + 3 : uri.indexOf(':') + 1;
    int at = uri.lastIndexOf('@');
    if (userStart <= 0 || at < userStart) {
      return uri;
    }
    int colon = uri.indexOf(':', userStart);
    if (colon < 0 || colon > at) {
      return uri; // no password
    }
    return uri.substring(0, colon + 1) + "***" + uri.substring(at);
  }
}
