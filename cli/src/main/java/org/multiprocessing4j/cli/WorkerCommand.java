package org.multiprocessing4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.rabbitmq.RabbitContext;
import org.multiprocessing4j.rabbitmq.WorkerNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mp4j worker}: a worker node of a distributed process pool on RabbitMQ, serving until
 * SIGTERM or SIGINT, then giving back what it cannot finish within the grace period and exiting 0.
 *
 * <p>The tasks' classes must be on this JVM's class path (its worker processes inherit it): run
 * {@code java -cp app.jar:cli/target/multiprocessing4j-cli-<version>.jar
 * org.multiprocessing4j.cli.Mp4j worker ...}, or set {@code MP4J_CLASSPATH} for the {@code mp4j}
 * script.
 *
 * <p>Nothing reconnects: a node that loses its broker connection (a broker restart, a network
 * failure) stops, its tasks having gone back to the broker, and the command exits 1 saying so. Run
 * it under a supervisor that restarts it on failure (docs/rabbitmq.md, "When the broker connection
 * is lost").
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    versionProvider = Mp4j.Version.class,
    description = {
      "Serves a distributed process pool on RabbitMQ: takes the pool's tasks from the broker and"
          + " runs them in worker JVMs on this host until stopped by SIGTERM or SIGINT (Ctrl-C),"
          + " then finishes or gives back the tasks in progress and exits 0.",
      "The shared key comes from the MP4J_AUTHKEY environment variable or --authkey-file, never"
          + " from the command line. The tasks' classes must be on the class path: run with"
          + " MP4J_CLASSPATH=app.jar ./mp4j worker ..., or java -cp app.jar:<mp4j-cli jar>"
          + " org.multiprocessing4j.cli.Mp4j worker ...",
      "Nothing reconnects: when the broker connection is lost (the broker restarts, the network"
          + " fails), the tasks in progress go back to the broker for other nodes, and the node"
          + " exits 1. Run it under a supervisor that restarts it on failure (a systemd unit with"
          + " Restart=on-failure, or: while ! ./mp4j worker ...; do sleep 5; done); see"
          + " docs/rabbitmq.md.",
    })
final class WorkerCommand implements Callable<Integer> {

  @ParentCommand
  @SuppressWarnings("NullAway.Init") // injected by picocli before call()
  private Mp4j root;

  @Option(
      names = "--broker",
      description = "The broker's amqp:// or amqps:// URI (default: $MP4J_BROKER).")
  private @Nullable String broker;

  @Option(
      names = "--pool",
      defaultValue = "default",
      description = "The pool's name (default: ${DEFAULT-VALUE}).")
  private String pool = "default";

  @Option(names = "--processes", description = "Worker processes (default: the number of CPUs).")
  private int processes = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--namespace",
      defaultValue = "mp4j",
      description =
          "The namespace of the pool's queues, as the submitters' (default: ${DEFAULT-VALUE}).")
  private String namespace = "mp4j";

  @Option(
      names = "--allow",
      description =
          "Also deserialize these classes (a class, pkg.* or pkg.**), as the submitters'"
              + " RabbitContext.Builder.allowClasses; repeatable.")
  private List<String> allow = new ArrayList<>();

  @Option(
      names = "--authkey-file",
      description = "Reads the shared key from this file (otherwise from $MP4J_AUTHKEY).")
  private @Nullable Path authkeyFile;

  @Option(
      names = "--grace",
      defaultValue = "30",
      description =
          "Seconds to let tasks in progress finish when stopped; the rest go back to the broker"
              + " (default: ${DEFAULT-VALUE}).")
  private long graceSeconds;

  @Override
  public Integer call() throws Exception {
    String uri = broker != null ? broker : System.getenv("MP4J_BROKER");
    if (uri == null || uri.isBlank()) {
      return usage(
          "no broker: set MP4J_BROKER=amqp://user:pass@host:5672/%2F (or give --broker, which any"
              + " user of this host can read on the command line)");
    }
    if (processes < 1) {
      return usage("--processes must be 1 or more, got " + processes);
    }
    if (graceSeconds < 0) {
      return usage("--grace must be 0 or more seconds, got " + graceSeconds);
    }
    byte[] key;
    try {
      key = key();
    } catch (IllegalArgumentException e) {
      return usage(e.getMessage());
    }
    RabbitContext.Builder b;
    try {
      b =
          RabbitContext.builder()
              .uri(uri.strip())
              .authKey(key)
              .namespace(namespace)
              .allowClasses(allow.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      return usage(e.getMessage());
    } finally {
      Arrays.fill(key, (byte) 0);
    }
    CountDownLatch stop = new CountDownLatch(1);
    // SIGTERM and SIGINT stop the node cleanly, with exit code 0 rather than the JVM's 143 / 130
    for (String name : new String[] {"TERM", "INT"}) {
      if (!onSignal(name, stop::countDown)) {
        root.err().println("mp4j worker: cannot handle SIG" + name + "; it ends the JVM at once");
      }
    }
    try (RabbitContext ctx = b.build()) {
      WorkerNode node;
      try {
        node = ctx.workerNode(pool, processes);
      } catch (IllegalArgumentException e) {
        return usage(e.getMessage());
      }
      root.out()
          .println(
              "mp4j worker: serving pool "
                  + pool
                  + " (namespace "
                  + namespace
                  + ") with "
                  + processes
                  + " worker processes; stop with SIGTERM or Ctrl-C");
      Thread watcher =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      node.awaitStop(); // stopped by itself: the broker connection was lost
                      stop.countDown();
                    } catch (InterruptedException e) {
                      // the command is returning
                    }
                  });
      stop.await();
      watcher.interrupt();
      if (node.isStopped()) {
        root.err()
            .println(
                "mp4j worker: the node lost its broker connection and stopped; nothing reconnects"
                    + " it (its unfinished tasks went back to the broker, for other nodes): run"
                    + " mp4j worker under a supervisor that restarts it on failure (see"
                    + " docs/rabbitmq.md, \"When the broker connection is lost\")");
        return Mp4j.FAILED;
      }
      root.out().println("mp4j worker: stopping, letting tasks in progress finish");
      node.stop(Duration.ofSeconds(graceSeconds));
      root.out().println("mp4j worker: stopped after " + node.tasksCompleted() + " tasks");
      return 0;
    } catch (UncheckedIOException e) {
      root.err().println("mp4j worker: " + e.getMessage());
      return Mp4j.FAILED;
    }
  }

  /**
   * Handles a signal through {@code sun.misc.Signal} of the {@code jdk.unsupported} module, by
   * reflection so that the build's {@code -Werror} does not meet the proprietary-API warning.
   */
  private static boolean onSignal(String name, Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler =
          java.lang.reflect.Proxy.newProxyInstance(
              WorkerCommand.class.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  action.run();
                  return null;
                }
                return switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> args != null && proxy == args[0];
                  default -> "mp4j worker SIG" + name + " handler";
                };
              });
      Object sig = signal.getConstructor(String.class).newInstance(name);
      signal.getMethod("handle", signal, handlerType).invoke(null, sig, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private byte[] key() {
    Path file = authkeyFile;
    if (file != null) {
      try {
        byte[] k = Files.readAllBytes(file);
        int n = k.length;
        while (n > 0 && (k[n - 1] == '\n' || k[n - 1] == '\r')) {
          n--; // a key file written by echo ends with a newline that is not part of the key
        }
        return Arrays.copyOf(k, n);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the key file " + file + ": " + e, e);
      }
    }
    String env = System.getenv("MP4J_AUTHKEY");
    if (env == null || env.isEmpty()) {
      throw new IllegalArgumentException(
          "no shared key: set MP4J_AUTHKEY or give --authkey-file FILE (the key every submitter"
              + " of the pool uses; never on the command line, where other users can see it)");
    }
    return env.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private int usage(@Nullable String message) {
    root.err().println("mp4j worker: " + message);
    return Mp4j.USAGE;
  }
}
