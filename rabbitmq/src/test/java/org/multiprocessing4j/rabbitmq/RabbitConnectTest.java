package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@code build()} says when the broker refuses the connection: the broker's reason, what to do
 * about it, and never the password.
 */
@ExtendWith(RabbitBroker.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RabbitConnectTest {

  /** The run's broker URI with other user info and path. */
  private static String rewrite(String uri, String userInfo, String rawPath) {
    URI u = URI.create(uri);
    String port = u.getPort() == -1 ? "" : ":" + u.getPort();
    return u.getScheme() + "://" + userInfo + "@" + u.getHost() + port + rawPath;
  }

  private static String userInfoOf(String uri) {
    String info = URI.create(uri).getRawUserInfo();
    return info == null ? "guest:guest" : info;
  }

  private static RabbitContext build(String uri) {
    return RabbitContext.builder().uri(uri).authKey(TestContexts.KEY).build();
  }

  @Test
  void build_wrongPassword_throwsAccessRefusedWithoutThePassword(RabbitBroker.Broker broker) {
    String uri = rewrite(broker.uri(), "guest:wrong", "/%2F");
    assertThatThrownBy(() -> build(uri))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("refused the login of user \"guest\"")
        .hasMessageContaining("ACCESS_REFUSED")
        .hasMessageContaining("Check the user name and password")
        .hasMessageContaining("guest:***@")
        .hasMessageNotContaining("wrong")
        .satisfies(e -> assertThat(e.getCause()).hasMessageNotContaining("wrong"));
  }

  @Test
  void build_wrongPasswordThroughCredentials_throwsAccessRefused(RabbitBroker.Broker broker) {
    assertThatThrownBy(
            () ->
                RabbitContext.builder()
                    .uri(broker.uri())
                    .credentials("guest", "wrong")
                    .authKey(TestContexts.KEY)
                    .build())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("ACCESS_REFUSED")
        .hasMessageNotContaining("wrong");
  }

  /** The client reports this one as a bare java.io.IOException, the reason in its cause. */
  @Test
  void build_unknownVirtualHost_throwsNamingItAndTheEscapeOfSlash(RabbitBroker.Broker broker) {
    String uri = rewrite(broker.uri(), userInfoOf(broker.uri()), "/no-such-vhost");
    assertThatThrownBy(() -> build(uri))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("has no virtual host \"no-such-vhost\"")
        .hasMessageContaining("NOT_ALLOWED")
        .hasMessageContaining("%2F")
        .hasMessageContaining("rabbitmqctl add_vhost")
        .hasMessageContaining(":***@");
  }

  /** A bare trailing slash names the empty virtual host, a common slip for the default one. */
  @Test
  void build_bareTrailingSlash_throwsSayingHowToNameTheDefaultVirtualHost(
      RabbitBroker.Broker broker) {
    String uri = rewrite(broker.uri(), userInfoOf(broker.uri()), "/");
    assertThatThrownBy(() -> build(uri))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("has no virtual host \"\"")
        .hasMessageContaining("a bare trailing slash names the empty one");
  }
}
