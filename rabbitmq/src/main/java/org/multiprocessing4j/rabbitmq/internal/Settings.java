package org.multiprocessing4j.rabbitmq.internal;

import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a process needs to reach the broker and check messages: the builder's choices. Serializable
 * because it travels to child processes inside queue handles; it holds secrets (the password and
 * the key), so it never travels through the broker (see {@link QueueRef}).
 *
 * @param uri the amqp URI
 * @param username overrides the URI's user, or null
 * @param password overrides the URI's password, or null
 * @param tls whether to use TLS
 * @param customSslContext whether TLS goes through an {@code SSLContext} the builder was given,
 *     which stays in the process that built the context (see {@link QueueRef})
 * @param authKey the HMAC key
 * @param namespace prefix of queue names
 * @param prefetch unacknowledged items per consuming thread
 * @param quorum quorum queues instead of classic ones
 * @param persistent persistent messages
 * @param allowed extra allow-list patterns of the deserialization filter
 * @param maxAgeMillis oldest acceptable message
 * @param heartbeatSeconds AMQP heartbeat
 */
@SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
public record Settings(
    String uri,
    @Nullable String username,
    @Nullable String password,
    boolean tls,
    boolean customSslContext,
    byte[] authKey,
    String namespace,
    int prefetch,
    boolean quorum,
    boolean persistent,
    List<String> allowed,
    long maxAgeMillis,
    int heartbeatSeconds)
    implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /**
   * Returns a digest of every field: two settings with the same identity reach the same broker with
   * the same key and the same options, so one connection per identity serves a JVM.
   */
  String identity() {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(toStringWithSecrets().getBytes(StandardCharsets.UTF_8));
      d.update(authKey);
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private String toStringWithSecrets() {
    return String.join(
        "\u0000",
        uri,
        String.valueOf(username),
        String.valueOf(password),
        String.valueOf(tls),
        String.valueOf(customSslContext),
        namespace,
        String.valueOf(prefetch),
        String.valueOf(quorum),
        String.valueOf(persistent),
        String.join(";", allowed),
        String.valueOf(maxAgeMillis),
        String.valueOf(heartbeatSeconds));
  }

  /** Never shows the password or the key. */
  @Override
  public String toString() {
    return "Settings[" + redactedUri() + ", namespace " + namespace + "]";
  }

  /** The URI without its password, for messages. */
  String redactedUri() {
    return BrokerUri.redact(uri);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Settings s && s.identity().equals(identity());
  }

  @Override
  public int hashCode() {
    return identity().hashCode();
  }
}
