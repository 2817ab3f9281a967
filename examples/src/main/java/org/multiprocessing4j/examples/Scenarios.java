package org.multiprocessing4j.examples;

import java.util.List;
import java.util.Optional;

/** The scenarios that exist so far, in the order of {@code SCENARIOS.md}. */
public final class Scenarios {

  private Scenarios() {}

  /**
   * Returns every scenario that exists so far, in the order of {@code SCENARIOS.md}.
   *
   * <p>The list grows as scenarios are written; the comments below mark where the missing ones go.
   *
   * @return a new immutable list of new scenario instances
   */
  public static List<Scenario> all() {
    return List.of(
        new ProcessStart(),
        new ProcessSubclass(),
        new Isolation(),
        new Join(),
        new JoinConcurrent(),
        new Daemon(),
        new DaemonNoChildren(),
        new DaemonMixed(),
        new PrintRace(),
        new Mutex(),
        new Tickets(),
        new QueueBasics(),
        new ProducerConsumer(),
        new Sentinel(),
        new JoinableQueueScenario(),
        new ThreadsStart(),
        new ThreadsShare(),
        new Pid(),
        new ThreadApi(),
        new DaemonThread(),
        new Race(),
        new LockVsJoin(),
        new DeadlockScenario(),
        new ProcessPool(),
        new ThreadPoolScenario(),
        new Futures(),
        new MessageQueue());
  }

  /**
   * Finds a scenario by its id.
   *
   * @param id an id of {@code SCENARIOS.md}, for example {@code "race"}
   * @return the scenario, or empty if none with that id exists (yet)
   */
  public static Optional<Scenario> find(String id) {
    return all().stream().filter(s -> s.id().equals(id)).findFirst();
  }

  /**
   * Makes the scenarios that {@linkplain Scenario#usesBroker() use a broker} use this one, in
   * preference to {@code MP4J_BROKER}, for the rest of this JVM's life (a system property).
   *
   * @param uri an {@code amqp://} or {@code amqps://} URI, as {@code
   *     amqp://user:pass@host:5672/%2F}
   * @throws IllegalArgumentException if it is not such a URI
   */
  public static void useBroker(String uri) {
    DemoBroker.use(uri);
  }
}
