package org.multiprocessing4j.cli;

import java.io.PrintStream;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.examples.Scenarios;
import picocli.CommandLine.Option;

/** {@code --broker <amqp-uri>}, shared by {@code mp4j demo} and {@code mp4j tour}. */
final class BrokerOption {

  @Option(
      names = "--broker",
      paramLabel = "<amqp-uri>",
      description =
          "The RabbitMQ broker of the scenarios that use one (message-queue), as"
              + " amqp://user:pass@host:5672/%%2F; overrides MP4J_BROKER. Without either, such a"
              + " scenario starts a private broker when rabbitmq-server is installed.")
  private @Nullable String broker;

  /** Returns whether the option was given. */
  boolean given() {
    return broker != null;
  }

  /**
   * Makes the scenarios use the given broker, if any.
   *
   * @param command the command's name, for the error message
   * @param err where a bad URI is reported
   * @return false if the URI is not an amqp one (reported on {@code err})
   */
  boolean apply(String command, PrintStream err) {
    String b = broker;
    if (b == null) {
      return true;
    }
    try {
      Scenarios.useBroker(b);
      return true;
    } catch (IllegalArgumentException e) {
      err.println("mp4j " + command + ": --broker: " + e.getMessage());
      return false;
    }
  }
}
