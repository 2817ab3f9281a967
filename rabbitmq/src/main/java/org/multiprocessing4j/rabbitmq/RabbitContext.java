package org.multiprocessing4j.rabbitmq;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.rabbitmq.internal.BrokerUri;
import org.multiprocessing4j.rabbitmq.internal.RabbitContexts;
import org.multiprocessing4j.rabbitmq.internal.Settings;

/**
 * A context whose queues live in a RabbitMQ broker, so that processes on any host that reach the
 * broker and share the key can use them: the distributed counterpart of {@link
 * org.multiprocessing4j.Multiprocessing#local()}.
 *
 * {@snippet :
 * try (RabbitContext ctx = RabbitContext.builder()
 *         .uri("amqp://guest:guest@127.0.0.1:5672/%2F")
 *         .authKey(sharedSecret)               // the same bytes in every process
 *         .build()) {
 *   ProcessQueue<String> q = ctx.queue();
 *   JvmProcess producer = ctx.process(() -> q.put("hello")).start();
 *   System.out.println(q.get());             // "hello", put by the child through the broker
 *   producer.join();
 * }
 * }
 *
 * <h2>Why it is a {@link MultiprocessingContext}</h2>
 *
 * The promise of the library is that the same user code runs on either context, changing only the
 * line that makes the context. So this type extends {@link MultiprocessingContext}: code written
 * against that interface takes a RabbitMQ context unchanged. What has a distributed form so far
 * works: the queues ({@link #queue()}, {@link #queue(int)}, {@link #joinableQueue()}, {@link
 * #joinableQueue(int)}, {@link #simpleQueue()}), {@link #lock()}, {@link #semaphore(int)} and
 * {@link #boundedSemaphore(int)} (broker queues of tokens that a holder keeps unacknowledged, so a
 * dead holder's token returns by itself), {@link #event()}, process pools ({@link #pool(int)},
 * {@link #poolBuilder()}: see below), and {@link #process} (which starts a child JVM on this host,
 * as the local context does; what it captures reaches the broker from there). Every other factory
 * method (reentrant locks, barriers, conditions, shared values, shared memory, pipes, deadlock
 * detection) throws {@link UnsupportedOperationException} whose message says so; none of them
 * returns an object that would quietly work on one host only.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>When a {@code put} returns, the broker has confirmed the item (publisher confirms): it is
 *       in the broker, and survives the death of any client. With {@link
 *       Builder#persistent(boolean) persistent} messages it is also on the broker's disk, and
 *       survives a broker restart.
 *   <li>An item taken by a consumer is acknowledged when that thread takes its next item from the
 *       same queue, calls {@link JoinableQueue#taskDone()}, closes the queue, or its JVM exits
 *       normally. If the consumer's process dies first (killed, or its connection lost), the broker
 *       gives the item to another consumer: no item is lost to a crash.
 *   <li>Every message is signed with HMAC-SHA256 under the {@link Builder#authKey(byte[]) shared
 *       key}, with a nonce and a timestamp; a message that is unsigned, forged, truncated, too old,
 *       or a copy of one this context already took is rejected (dropped from the queue and logged)
 *       before any of it is deserialized, and the consumer keeps waiting for a good one. A copy is
 *       taken again only when it is a message this context gave back to the broker unfinished (a
 *       channel that closed holding it, a node that stopped), not merely because the broker marks
 *       it redelivered. Each context remembers its own: a copy that reaches another context, or
 *       another process, that never took the message is not detected there. Deserialization goes
 *       through an allow-list filter ({@link Builder#allowClasses}).
 * </ul>
 *
 * <h2>Distributed process pools</h2>
 *
 * {@link #pool(int) pool(n)} and {@link #poolBuilder()} make a {@link
 * org.multiprocessing4j.ProcessPoolExecutor} whose tasks go through the broker to every worker node
 * of the same pool name ({@link org.multiprocessing4j.ProcessPoolExecutor.Builder#poolName}, {@code
 * "default"} by default) and namespace: {@code n} worker processes on this host (an embedded node,
 * so the code runs with no other host), plus the nodes other hosts run with {@code mp4j worker} or
 * {@link #workerNode(String, int)}. With {@code workers(0)} the pool is a submit-only client. The
 * pool has the local pool's API and these differences:
 *
 * <ul>
 *   <li>Execution is at least once, completion exactly once: a task whose node dies mid-task runs
 *       again on another node, and its future completes with the first result that arrives.
 *   <li>{@code cancel(true)} completes the future at once and tells every node serving then: the
 *       node running the task kills that worker process (and starts a new one); such a node that
 *       receives the task later drops it. A node that joins after the cancellation may still run
 *       the task; its result is dropped. The cancellation is published without a broker confirm
 *       (the future does not wait for the broker): should the broker lose it (its connection
 *       failing at that moment), the future is still cancelled, but the task runs to its end on its
 *       node and that result is dropped.
 *   <li>A task timeout counts on the node, from when the task starts there; {@link
 *       org.multiprocessing4j.ProcessPoolExecutor.Builder#retries retries} run again a task whose
 *       worker process died, on any node.
 *   <li>The builder's options, initializer, {@code maxTasksPerChild} and name prefix apply to the
 *       embedded node's processes only; remote nodes have their own.
 *   <li>Tasks, results and exceptions travel signed and are deserialized through the allow-list;
 *       tasks are deserialized in the worker processes, never in a node.
 * </ul>
 *
 * <h2>Handles in other processes</h2>
 *
 * A queue captured in a {@link org.multiprocessing4j.JvmProcess} target, or sent through a local
 * queue, travels with what is needed to reach the broker (URI, credentials and the key: these stay
 * on this host, on channels private to its user), and attaches in the child through a connection of
 * that child. A queue sent through a queue of this context travels without secrets and attaches to
 * the receiving process's own context. The child connects on its own, so with TLS it needs the
 * broker's CA in its own trust store; a handle of a context built with {@link
 * Builder#sslContext(javax.net.ssl.SSLContext)} cannot go to a child at all (see there).
 *
 * <p>Closing the context deletes the queues it created from the broker (other processes' handles of
 * them then throw {@link IllegalStateException}), kills the processes it started that still run,
 * and closes its connection.
 */
public interface RabbitContext extends MultiprocessingContext {

  /**
   * Returns a builder of a context.
   *
   * @return a new builder with the defaults described on its methods
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the namespace: the prefix of the broker queue names of this context.
   *
   * @return the namespace
   */
  String namespace();

  /**
   * Returns how many messages this process has rejected so far, in all its RabbitMQ contexts,
   * because they were unsigned, forged, truncated, too old or replayed. Each one was logged and
   * dropped without being deserialized.
   *
   * @return the count since this JVM started
   */
  long rejectedMessages();

  /**
   * Creates a queue kept in the broker, as Python's {@code ctx.Queue()}; see {@link RabbitContext}
   * for what differs from the local queue.
   *
   * @throws IllegalStateException if this context is closed
   * @throws UncheckedIOException if the broker cannot declare the queue
   */
  @Override
  <E> ProcessQueue<E> queue();

  /**
   * Creates a queue holding at most {@code maxsize} ready items, kept in the broker (its {@code
   * x-max-length} with {@code x-overflow=reject-publish}): a put into a full queue is refused by
   * the broker and retried until the timeout.
   *
   * @throws IllegalStateException if this context is closed
   * @throws UncheckedIOException if the broker cannot declare the queue
   */
  @Override
  <E> ProcessQueue<E> queue(int maxsize);

  /**
   * Creates a joinable queue kept in the broker: its count of unfinished items is a second broker
   * queue holding one token per item not yet reported done, so {@code join} works across hosts.
   *
   * @throws IllegalStateException if this context is closed
   * @throws UncheckedIOException if the broker cannot declare the queues
   */
  @Override
  <E> JoinableQueue<E> joinableQueue();

  /**
   * Creates a bounded joinable queue kept in the broker (see {@link #queue(int)} and {@link
   * #joinableQueue()}).
   *
   * @throws IllegalStateException if this context is closed
   * @throws UncheckedIOException if the broker cannot declare the queues
   */
  @Override
  <E> JoinableQueue<E> joinableQueue(int maxsize);

  /**
   * Creates a simple queue kept in the broker; null items are allowed.
   *
   * @throws IllegalStateException if this context is closed
   * @throws UncheckedIOException if the broker cannot declare the queue
   */
  @Override
  <E extends @Nullable Object> SimpleQueue<E> simpleQueue();

  /**
   * Creates a distributed pool named {@code "default"} with {@code workers} worker processes on
   * this host (see "Distributed process pools" above); other hosts' worker nodes of that pool serve
   * it too. Returns at once.
   *
   * @param workers worker processes on this host, at least 1 (use {@link #poolBuilder()} with
   *     {@code workers(0)} for a submit-only client)
   * @return the pool, which this context shuts down at once when closed
   * @throws IllegalArgumentException if {@code workers} is less than 1
   * @throws IllegalStateException if this context is closed, or this is a daemonic process
   * @throws UncheckedIOException if the broker cannot declare the pool's queues
   */
  @Override
  default org.multiprocessing4j.ProcessPoolExecutor pool(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException(
          "a pool needs at least 1 worker, got "
              + workers
              + " (for a submit-only client use poolBuilder().workers(0).build())");
    }
    return poolBuilder().workers(workers).build();
  }

  /**
   * Starts a worker node of the pool {@code poolName} in this JVM: {@code processes} worker
   * processes that run the pool's tasks, from any submitter, until the node is stopped or this
   * context is closed. What {@code mp4j worker} runs. Returns once the node consumes tasks. The
   * node holds at most {@code processes + 1} tasks at a time (the extra one waits in the node, so
   * that a process starts its next task without waiting for the broker), and acknowledges each only
   * once the broker has confirmed its result: the tasks of a node that dies go back to the broker.
   *
   * @param poolName the pool's name: 1 to 100 letters, digits, '.', '-' or '_'
   * @param processes worker processes, at least 1
   * @return the node
   * @throws IllegalArgumentException if the name is invalid or {@code processes} is less than 1
   * @throws IllegalStateException if this context is closed, or this is a daemonic process
   * @throws UncheckedIOException if the broker cannot declare the pool's queues
   */
  WorkerNode workerNode(String poolName, int processes);

  /**
   * Builds a {@link RabbitContext}. Not thread-safe; each {@link #build()} makes an independent
   * context with its own connection.
   */
  final class Builder {
    private @Nullable String uri;
    private @Nullable String username;
    private @Nullable String password;
    private boolean tls;
    private @Nullable SSLContext sslContext;
    private byte @Nullable [] authKey;
    private String namespace = "mp4j";
    private int prefetch = 1;
    private boolean quorum;
    private boolean persistent;
    private final List<String> allowed = new ArrayList<>();
    private Duration maxMessageAge = Duration.ofDays(1);
    private Duration heartbeat = Duration.ofSeconds(5);

    Builder() {}

    /**
     * Sets the broker's address, as an {@code amqp://} or {@code amqps://} URI with optional
     * credentials and virtual host ({@code amqp://user:pass@host:5672/%2F}; the default virtual
     * host {@code /} is written {@code %2F}, since a bare trailing slash names the empty one).
     * Required. The URI is checked here, so that a mistake fails at this call rather than
     * connecting somewhere else: the RabbitMQ client reads it with {@link java.net.URI}, which
     * finds no host in a name with an underscore ({@code my_host}), and would then connect to
     * localhost:5672 without a word. Reserved characters in the user name or password are
     * percent-encoded ({@code @} as {@code %40}, {@code :} as {@code %3A}), or given with {@link
     * #credentials}.
     *
     * @param uri the URI
     * @return this builder
     * @throws IllegalArgumentException if it is not an {@code amqp} or {@code amqps} URI, or has no
     *     host that {@link java.net.URI} reads (none, or a name with {@code _} or other characters
     *     a host name cannot have), a port that is not a number or not from 1 to 65535, more than
     *     one path segment, or user info other than {@code user} or {@code user:password}; the
     *     message says which, and never shows the password
     */
    public Builder uri(String uri) {
      Objects.requireNonNull(uri, "uri");
      BrokerUri.check(uri);
      this.uri = uri;
      return this;
    }

    /**
     * Sets the user name and password, overriding those of the URI.
     *
     * @param username the user name
     * @param password the password
     * @return this builder
     */
    public Builder credentials(String username, String password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /**
     * Turns TLS on or off. An {@code amqps://} URI or an {@link #sslContext(SSLContext)} turns it
     * on by itself. With TLS on, the server's certificate is checked against the JVM's default
     * trust store (unless an {@code SSLContext} is given), and the URI's host must be one the
     * certificate names. Processes this context starts ({@link #process}, a pool's worker
     * processes) and other hosts connect on their own: they need the broker's CA in their own
     * default trust store. A child JVM inherits this one's environment, not its system properties,
     * so set {@code -Djavax.net.ssl.trustStore=...} through {@code JAVA_TOOL_OPTIONS} (or install
     * the CA in the JDK's {@code cacerts}).
     *
     * @param tls whether to connect with TLS
     * @return this builder
     */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Connects with TLS through {@code context}: its trust managers check the broker's certificate
     * (a private CA's, for example) and its key managers give a client certificate if the broker
     * asks for one. Implies {@link #tls(boolean) tls(true)}; the URI's host must still be one the
     * certificate names.
     *
     * <p>An {@code SSLContext} cannot travel to another process. So a handle of this context
     * (queue, lock, semaphore, event) cannot be sent to another process with the settings to
     * connect, captured by a {@link #process} target or sent through a local queue: writing it
     * throws {@link IllegalStateException} saying so (which a process start or a local put reports
     * as an {@link org.multiprocessing4j.UnserializableValueException} with that message), rather
     * than a child failing its TLS handshake. A handle sent through a queue of this context still
     * works: it attaches to the receiver's own context. For children that connect by themselves,
     * use {@link #tls(boolean)} with the JVM's trust store instead.
     *
     * @param context an initialized {@code SSLContext}
     * @return this builder
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Sets the key every message is signed and checked with (HMAC-SHA256), Python's {@code
     * authkey}: every process that uses the queues must have the same bytes. Required.
     *
     * @param key at least 16 bytes; copied
     * @return this builder
     * @throws IllegalArgumentException if the key is shorter than 16 bytes
     */
    public Builder authKey(byte[] key) {
      Objects.requireNonNull(key, "key");
      if (key.length < 16) {
        throw new IllegalArgumentException(
            "the auth key must have at least 16 bytes, got "
                + key.length
                + "; use random bytes, for example 32 from SecureRandom");
      }
      this.authKey = key.clone();
      return this;
    }

    /**
     * Sets the key from a string's UTF-8 bytes (see {@link #authKey(byte[])}).
     *
     * @param key at least 16 bytes in UTF-8
     * @return this builder
     * @throws IllegalArgumentException if the key is shorter than 16 bytes
     */
    public Builder authKey(String key) {
      return authKey(Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sets the prefix of the broker queue names, so that applications sharing a broker stay apart.
     * Default {@code "mp4j"}.
     *
     * @param namespace letters, digits, {@code .}, {@code -} and {@code _}; 1 to 100 characters
     * @return this builder
     * @throws IllegalArgumentException if it has other characters or is empty or too long
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (!namespace.matches("[A-Za-z0-9._-]{1,100}")) {
        throw new IllegalArgumentException(
            "the namespace must be 1 to 100 letters, digits, '.', '-' or '_', got: \""
                + namespace
                + "\"");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * Sets how many items a consuming thread may hold unacknowledged at once, counting the one it
     * took and is processing: 1 (the default) gives every item to a thread that asks for it, as
     * Python's queue does; more lets items wait in the consumer's buffer while it works, which is
     * faster for small items but keeps them from other consumers until this one asks again.
     *
     * @param prefetch at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code prefetch} is less than 1
     */
    public Builder prefetch(int prefetch) {
      if (prefetch < 1) {
        throw new IllegalArgumentException("prefetch must be at least 1, got " + prefetch);
      }
      this.prefetch = prefetch;
      return this;
    }

    /**
     * Makes the context's queues quorum queues (replicated by a RabbitMQ cluster) instead of
     * classic queues. Default false. A bounded quorum queue refuses puts only once it is over its
     * maxsize, so it may hold one item more. Lock and semaphore tokens stay on classic queues.
     *
     * @param quorum whether to declare quorum queues
     * @return this builder
     */
    public Builder quorumQueues(boolean quorum) {
      this.quorum = quorum;
      return this;
    }

    /**
     * Sets whether items are persistent messages, written to the broker's disk before a put
     * returns, or transient ones (the default), confirmed once the broker holds them, without
     * waiting for its disk, and lost only if the broker itself restarts (as a Python queue is lost
     * with its process). Quorum queues always write to disk. The same holds for the tasks of this
     * context's pools: with persistent tasks, a {@code submit} waits for the broker's disk, since a
     * worker node keeps its task unacknowledged until it has answered.
     *
     * @param persistent whether items and pool tasks are persistent
     * @return this builder
     */
    public Builder persistent(boolean persistent) {
      this.persistent = persistent;
      return this;
    }

    /**
     * Allows classes of items to be deserialized, in the pattern syntax of {@link
     * java.io.ObjectInputFilter.Config#createFilter}: {@code "com.example.Order"}, {@code
     * "com.example.*"} (a package), {@code "com.example.**"} (and its subpackages). Always allowed:
     * {@code java.lang.*}, {@code java.util.*}, {@code java.time.*}, {@code java.math.*}, and this
     * library's classes; everything else is rejected.
     *
     * @param patterns the patterns, each without {@code ;} and not starting with {@code !}
     * @return this builder
     * @throws IllegalArgumentException if a pattern contains {@code ;} or starts with {@code !}
     */
    public Builder allowClasses(String... patterns) {
      for (String p : patterns) {
        Objects.requireNonNull(p, "pattern");
        if (p.isBlank() || p.contains(";") || p.startsWith("!") || p.contains("=")) {
          throw new IllegalArgumentException(
              "a class pattern names a class, a package (ending in .*) or a package tree (ending"
                  + " in .**), got: \""
                  + p
                  + "\"");
        }
        allowed.add(p.strip());
      }
      return this;
    }

    /**
     * Sets how old a message may be when it is taken: older ones are rejected as possible replays.
     * Default one day. It bounds how long this process remembers the nonces of messages it took.
     *
     * @param maxAge positive
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAge} is zero or negative
     */
    public Builder maxMessageAge(Duration maxAge) {
      Objects.requireNonNull(maxAge, "maxAge");
      if (maxAge.isNegative() || maxAge.isZero()) {
        throw new IllegalArgumentException("maxMessageAge must be positive, got " + maxAge);
      }
      this.maxMessageAge = maxAge;
      return this;
    }

    /**
     * Sets the AMQP heartbeat interval: a peer that stops answering (frozen, or cut off) is seen as
     * gone after about three intervals, and its unacknowledged items go to other consumers. Default
     * 5 seconds.
     *
     * @param heartbeat at least one second
     * @return this builder
     * @throws IllegalArgumentException if {@code heartbeat} is shorter than one second
     */
    public Builder heartbeat(Duration heartbeat) {
      Objects.requireNonNull(heartbeat, "heartbeat");
      if (heartbeat.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("heartbeat must be at least 1 s, got " + heartbeat);
      }
      this.heartbeat = heartbeat;
      return this;
    }

    /**
     * Connects to the broker and returns the context. Blocks until the connection is open, or for
     * at most about 10 seconds (the connection and handshake timeout) if the broker does not
     * answer.
     *
     * @return a new context, connected
     * @throws IllegalStateException if no URI or no key was given
     * @throws UncheckedIOException if the broker cannot be reached, refuses the login, or has no
     *     virtual host of the URI's name, or does not let the user use it; the message says which
     *     and what to do, and never shows the password
     */
    public RabbitContext build() {
      String u = uri;
      byte[] k = authKey;
      if (u == null) {
        throw new IllegalStateException(
            "no broker URI: call uri(\"amqp://user:pass@host:5672/%2F\") before build()");
      }
      if (k == null) {
        throw new IllegalStateException(
            "no auth key: call authKey(...) with the key every process shares before build()");
      }
      Settings s =
          new Settings(
              u,
              username,
              password,
              tls || sslContext != null || u.startsWith("amqps:"),
              sslContext != null,
              k.clone(),
              namespace,
              prefetch,
              quorum,
              persistent,
              List.copyOf(allowed),
              maxMessageAge.toMillis(),
              (int) Math.min(Integer.MAX_VALUE, heartbeat.toSeconds()));
      return RabbitContexts.create(s, sslContext);
    }
  }
}
