package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.ConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The builder's checks of the broker URI, which need no broker: a URI the RabbitMQ client would
 * read as something else (java.net.URI finds no host, and the client connects to localhost:5672) or
 * refuse at connection time is refused by {@code uri()}, with a message that never shows the
 * password.
 */
class RabbitContextBuilderTest {

  private static IllegalArgumentException refused(String uri) {
    try {
      RabbitContext.builder().uri(uri);
    } catch (IllegalArgumentException e) {
      return e;
    }
    throw new AssertionError("uri() accepted " + uri);
  }

  @Test
  void uri_underscoreInHost_throwsNamingTheUnderscore() {
    assertThat(refused("amqp://my_host:1/%2F"))
        .hasMessageContaining("\"my_host\"")
        .hasMessageContaining("underscore")
        .hasMessageContaining("IP address");
    assertThat(refused("amqp://guest:secret@rabbit_1/%2F"))
        .hasMessageContaining("underscore")
        .hasMessageNotContaining("secret");
  }

  @Test
  void uri_portNotANumber_throws() {
    assertThat(refused("amqp://host:abc/"))
        .hasMessageContaining("\"abc\" ")
        .hasMessageContaining("not a number");
    assertThat(refused("amqp://[::1]:x/%2F")).hasMessageContaining("port number");
  }

  @ParameterizedTest
  @CsvSource({"amqp://host:70000/%2F", "amqp://host:0/%2F", "amqp://host:99999999999/%2F"})
  void uri_portOutOfRange_throws(String uri) {
    assertThat(refused(uri)).hasMessageContaining("out of range").hasMessageContaining("65535");
  }

  @ParameterizedTest
  @CsvSource({"amqp:/nohost", "amqp:///%2F", "amqp:nohost", "amqp://guest:secret@/%2F"})
  void uri_noHost_throwsInsteadOfConnectingToLocalhost(String uri) {
    assertThat(refused(uri))
        .hasMessageContaining("names no host")
        .hasMessageContaining("localhost:5672")
        .hasMessageNotContaining("secret");
  }

  @Test
  void uri_invalidHostName_throws() {
    assertThat(refused("amqp://-bad/%2F"))
        .hasMessageContaining("\"-bad\"")
        .hasMessageContaining("not a valid host");
  }

  @Test
  void uri_moreThanOnePathSegment_throwsWithTheEscapeOfSlash() {
    assertThat(refused("amqp://h/%2F/x"))
        .hasMessageContaining("more than one path segment")
        .hasMessageContaining("%2F");
  }

  /** Passwords with reserved characters: the message says how to write them, and hides them. */
  @ParameterizedTest
  @CsvSource({
    "amqp://guest:s:ecret@h/%2F, user:password",
    "amqp://:secret@h/%2F, user:password",
    "amqp://guest:s@ecret@h/%2F, reserved character",
    "amqp://guest:se/cret@h/%2F, reserved character",
    "amqp://guest:se#cret@h/%2F, reserved character",
    "amqp://guest:se cret@h/%2F, not a valid URI",
    "amqp://guest:se%zzcret@h/%2F, not a valid URI",
  })
  void uri_badUserInfo_throwsWithoutThePassword(String uri, String says) {
    assertThat(refused(uri))
        .hasMessageContaining(says)
        .hasMessageContaining("credentials(user, password)")
        .hasMessageNotContaining("ecret")
        .hasMessageNotContaining("cret")
        .hasNoCause();
  }

  @Test
  void uri_notAmqp_throwsWithoutThePassword() {
    assertThat(refused("http://guest:secret@h/"))
        .hasMessageContaining("amqp://")
        .hasMessageContaining("http://guest:***@h/");
  }

  @Test
  void uri_null_throwsNpe() {
    assertThatThrownBy(() -> RabbitContext.builder().uri(nullString()))
        .isInstanceOf(NullPointerException.class);
  }

  @SuppressWarnings("NullAway") // a null on purpose
  private static String nullString() {
    return null;
  }

  /**
   * The forms that stay accepted, each read by the RabbitMQ client as written: its host, port and
   * virtual host (the client's defaults where the URI has none).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "amqp://127.0.0.1/%2F                  | 127.0.0.1         | 5672 | /",
        "amqp://host                           | host              | 5672 | /",
        "amqp://host:5673                      | host              | 5673 | /",
        "amqp://guest:guest@host:5672/%2F      | host              | 5672 | /",
        "amqp://user:p%40ss%3Aw@host/orders    | host              | 5672 | orders",
        "amqp://host/my-vhost                  | host              | 5672 | my-vhost",
        "amqp://host/a%2Fb                     | host              | 5672 | a/b",
        "amqp://[::1]:5672/%2F                 | [::1]             | 5672 | /",
        "amqps://broker.example.com/%2F        | broker.example.com| 5671 | /",
        "amqps://u:p@[::1]:5679/%2F            | [::1]             | 5679 | /",
        "amqp://rabbit-1.svc:1/%2F             | rabbit-1.svc      | 1    | /",
      })
  void uri_goodForms_acceptedAndReadByTheClientAsWritten(
      String uri, String host, int port, String vhost) throws Exception {
    RabbitContext.builder().uri(uri);
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri);
    assertThat(f.getHost()).isEqualTo(host);
    assertThat(f.getPort()).isEqualTo(port);
    assertThat(f.getVirtualHost()).isEqualTo(vhost);
  }

  @Test
  void uri_userInfo_readAsWritten() throws Exception {
    String uri = "amqp://user:p%40ss%3Aw@host/orders";
    RabbitContext.builder().uri(uri);
    ConnectionFactory f = new ConnectionFactory();
    f.setUri(uri);
    assertThat(f.getUsername()).isEqualTo("user");
    assertThat(f.getPassword()).isEqualTo("p@ss:w");
  }
}
