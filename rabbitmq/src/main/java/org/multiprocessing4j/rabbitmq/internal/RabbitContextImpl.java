package org.multiprocessing4j.rabbitmq.internal;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.Deadlock;
import org.multiprocessing4j.JoinableQueue;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.Multiprocessing;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.Pipe;
import org.multiprocessing4j.ProcessBarrier;
import org.multiprocessing4j.ProcessCondition;
import org.multiprocessing4j.ProcessEvent;
import org.multiprocessing4j.ProcessLock;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;
import org.multiprocessing4j.ProcessSemaphore;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.QueueOptions;
import org.multiprocessing4j.ReentrantProcessLock;
import org.multiprocessing4j.SharedDouble;
import org.multiprocessing4j.SharedDoubleArray;
import org.multiprocessing4j.SharedLong;
import org.multiprocessing4j.SharedLongArray;
import org.multiprocessing4j.SharedMemory;
import org.multiprocessing4j.SimpleQueue;
import org.multiprocessing4j.internal.pool.PoolEngine;
import org.multiprocessing4j.internal.pool.PoolEngineFactory;
import org.multiprocessing4j.rabbitmq.RabbitContext;
import org.multiprocessing4j.rabbitmq.WorkerNode;

/**
 * The RabbitMQ context: one connection, a publisher channel, an admin channel, and the queues.
 *
 * <p>Lifecycle: OPEN -> CLOSED ({@link #close()}, or JVM exit). An owning context (made by the
 * builder) deletes the broker queues it created when closed; an attached one (made in a process
 * that received a queue handle) only disconnects. Both, at JVM exit, acknowledge the items their
 * threads took (they were handled) and disconnect; items delivered but not taken go back.
 *
 * <p>Threads: the client library's, all daemon, so that a child JVM ends when its target does.
 */
final class RabbitContextImpl implements RabbitContext, PoolEngineFactory {

  private static final System.Logger LOG = System.getLogger("org.multiprocessing4j.rabbitmq");
  private static final AtomicLong REJECTED = new AtomicLong();
  private static final AtomicInteger THREADS = new AtomicInteger();

  final Settings settings;
  final Envelope envelope;
  final Codec codec;
  final Publisher publisher;
  private final boolean owner;
  private final Connection connection;
  private final Object adminLock = new Object();
  private @Nullable Channel admin; // guarded by adminLock
  private final List<BrokerQueue> queues = new CopyOnWriteArrayList<>();
  private final List<String> created = new CopyOnWriteArrayList<>();
  private final @Nullable MultiprocessingContext processes;
  private final List<RabbitPoolEngine> pools = new CopyOnWriteArrayList<>();
  private final List<PoolNode> nodes = new CopyOnWriteArrayList<>();
  private final Thread exitHook;
  private volatile boolean closed;

  RabbitContextImpl(Settings settings, boolean owner, @Nullable SSLContext ssl) {
    this.settings = settings;
    this.owner = owner;
    this.envelope = new Envelope(settings.authKey(), settings.maxAgeMillis());
    this.codec = new Codec(settings.allowed());
    this.connection = connect(settings, ssl);
    this.publisher = new Publisher(connection);
    this.processes = owner ? Multiprocessing.newLocalContext(ProcessOptions.defaults()) : null;
    this.exitHook = new Thread(this::atExit, "mp4j-rabbitmq-exit");
    Runtime.getRuntime().addShutdownHook(exitHook);
  }

  private static Connection connect(Settings s, @Nullable SSLContext ssl) {
    if (ssl == null && s.customSslContext()) {
      // Another process, or this one after the owner closed: the builder's SSLContext is not here.
      throw new IllegalStateException(QueueRef.CUSTOM_SSL_CONTEXT_STAYS);
    }
    ConnectionFactory f = new ConnectionFactory();
    try {
      f.setUri(s.uri());
      if (s.tls()) {
        f.useSslProtocol(ssl != null ? ssl : SSLContext.getDefault());
        f.enableHostnameVerification();
      }
    } catch (java.net.URISyntaxException e) {
      // Not e.getMessage(), nor e as the cause: both quote the whole URI, password included.
      throw new IllegalArgumentException(
          "cannot use the broker URI " + s.redactedUri() + ": " + e.getReason());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot use the broker URI " + s.redactedUri() + ": " + e.getMessage(), e);
    }
    String user = s.username();
    String password = s.password();
    if (user != null && password != null) {
      f.setUsername(user);
      f.setPassword(password);
    }
    f.setRequestedHeartbeat(s.heartbeatSeconds());
    f.setAutomaticRecoveryEnabled(false);
    f.setConnectionTimeout(10_000);
    ThreadFactory daemons =
        r -> {
          Thread t = new Thread(r, "mp4j-rabbitmq-" + THREADS.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    f.setThreadFactory(daemons);
    try {
      return f.newConnection("mp4j " + s.namespace() + " pid " + ProcessHandle.current().pid());
    } catch (IOException | TimeoutException e) {
      throw ConnectFailure.of(s, f, e);
    }
  }

  /** Drops the connection as a network failure would, for tests. */
  void abortConnectionForTest() {
    connection.abort();
  }

  boolean isClosed() {
    return closed;
  }

  void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this RabbitMQ context is closed");
    }
  }

  Channel openChannel() {
    ensureOpen();
    try {
      return connection.createChannel();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a channel to the broker: " + e, e);
    }
  }

  interface AdminCall<T> {
    T call(Channel ch) throws IOException;
  }

  /** Runs a short operation on the admin channel, reopening it if the broker closed it. */
  <T> T admin(AdminCall<T> call) {
    synchronized (adminLock) {
      Channel ch = admin;
      if (ch == null || !ch.isOpen()) {
        ch = openChannel();
        admin = ch;
      }
      try {
        return call.call(ch);
      } catch (IOException e) {
        if (!ch.isOpen()) {
          admin = null;
          throw new IllegalStateException(
              "the broker refused: "
                  + (ch.getCloseReason() == null ? e : ch.getCloseReason().getMessage())
                  + " (was the queue deleted, its context closed?)",
              e);
        }
        throw new UncheckedIOException("broker operation failed: " + e, e);
      }
    }
  }

  void rejected(String queue, @Nullable String why) {
    REJECTED.incrementAndGet();
    LOG.log(
        System.Logger.Level.WARNING,
        "rejected a message from queue " + queue + " without reading it: " + why);
  }

  // --------------------------------------------------------------------------------- queues

  private BrokerQueue declare(boolean joinable, int maxsize) {
    ensureOpen();
    int max = Math.max(0, maxsize);
    String name = settings.namespace() + "." + UUID.randomUUID();
    BrokerQueue q = new BrokerQueue(this, name, joinable, max);
    admin(
        ch -> {
          ch.queueDeclare(name, true, false, false, arguments(max));
          created.add(name);
          String tokens = q.tokens;
          if (tokens != null) {
            ch.queueDeclare(tokens, true, false, false, arguments(0));
            created.add(tokens);
          }
          return q;
        });
    queues.add(q);
    return q;
  }

  Map<String, Object> queueArguments(int maxsize) {
    return arguments(maxsize);
  }

  private Map<String, Object> arguments(int maxsize) {
    Map<String, Object> args = new HashMap<>();
    args.put("x-queue-type", settings.quorum() ? "quorum" : "classic");
    if (maxsize > 0) {
      args.put("x-max-length", maxsize);
      args.put("x-overflow", "reject-publish");
    }
    return args;
  }

  @Override
  public <E> ProcessQueue<E> queue() {
    return queue(0);
  }

  @Override
  public <E> ProcessQueue<E> queue(int maxsize) {
    return new RabbitProcessQueue<>(declare(false, maxsize));
  }

  @Override
  public <E> JoinableQueue<E> joinableQueue() {
    return joinableQueue(0);
  }

  @Override
  public <E> JoinableQueue<E> joinableQueue(int maxsize) {
    return new RabbitJoinableQueue<>(declare(true, maxsize));
  }

  @Override
  public <E extends @Nullable Object> SimpleQueue<E> simpleQueue() {
    return new RabbitSimpleQueue<>(declare(false, 0));
  }

  /**
   * The broker's queues take {@link QueueOptions#maxsize()}; the ring size and memory budget size
   * shared memory, which a broker queue does not have, so they are ignored; a codec of the user's
   * is not supported yet.
   */
  private static int maxsizeOf(QueueOptions options) {
    if (options.codec().isPresent()) {
      throw new UnsupportedOperationException(
          "a Codec for RabbitMQ queues is not supported yet: items are encoded by the library's"
              + " own signed encoding; leave QueueOptions.codec unset for a RabbitMQ context");
    }
    return options.maxsize();
  }

  @Override
  public <E> ProcessQueue<E> queue(QueueOptions options) {
    return queue(maxsizeOf(options));
  }

  @Override
  public <E> JoinableQueue<E> joinableQueue(QueueOptions options) {
    return joinableQueue(maxsizeOf(options));
  }

  @Override
  public <E extends @Nullable Object> SimpleQueue<E> simpleQueue(QueueOptions options) {
    maxsizeOf(options);
    return simpleQueue();
  }

  @Override
  public String namespace() {
    return settings.namespace();
  }

  @Override
  public long rejectedMessages() {
    return REJECTED.get();
  }

  // ------------------------------------------------------------------------------ processes

  private MultiprocessingContext processes() {
    ensureOpen();
    MultiprocessingContext p = processes;
    return p != null ? p : Multiprocessing.local();
  }

  /** The local context that starts this context's processes (a worker node's pool). */
  MultiprocessingContext localProcesses() {
    return processes();
  }

  // ---------------------------------------------------------------------------------- pools

  static final String DEFAULT_POOL = "default";

  @Override
  public PoolEngine poolEngine(PoolEngineFactory.Spec spec) {
    ensureOpen();
    String name = spec.poolName() != null ? spec.poolName() : DEFAULT_POOL;
    RabbitPoolEngine e = new RabbitPoolEngine(this, name, spec);
    pools.add(e);
    return e;
  }

  @Override
  public WorkerNode workerNode(String poolName, int processes) {
    ensureOpen();
    PoolEngineFactory.checkPoolName(poolName);
    if (processes < 1) {
      throw new IllegalArgumentException(
          "a worker node needs at least 1 process, got " + processes);
    }
    JvmProcess self = JvmProcess.current();
    if (self.isDaemon()) {
      throw new IllegalStateException(
          "daemonic processes are not allowed to have children: "
              + self.name()
              + " cannot run a worker node; start it in a non-daemonic process");
    }
    PoolNode n =
        new PoolNode(
            this,
            poolName,
            new PoolEngineFactory.Spec(processes, poolName, null, null, 0, null, 0, null));
    nodes.add(n);
    return n;
  }

  void forget(PoolNode n) {
    nodes.remove(n);
  }

  void forget(RabbitPoolEngine e) {
    pools.remove(e);
  }

  @Override
  public ProcessOptions defaults() {
    return processes().defaults();
  }

  @Override
  public JvmProcess process(ProcessTarget target) {
    return processes().process(target);
  }

  @Override
  public <A> JvmProcess process(ProcessTarget.Arg1<A> target, A arg) {
    return processes().process(target, arg);
  }

  // --------------------------------------------------------------- no distributed form yet

  private static UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(
        what
            + " has no RabbitMQ form yet: use it from a local context"
            + " (Multiprocessing.local()) for processes on one host; RabbitMQ contexts have"
            + " queues, lock(), semaphore(), boundedSemaphore(), event(), process() and process"
            + " pools (pool(n), poolBuilder(), workerNode) so far");
  }

  private TokenQueue tokens(int permits) {
    ensureOpen();
    String name = settings.namespace() + ".lock." + UUID.randomUUID();
    TokenQueue t = new TokenQueue(this, name);
    created.add(name);
    t.create(permits);
    return t;
  }

  @Override
  public ProcessLock lock() {
    return new RabbitLock(tokens(1));
  }

  @Override
  public ReentrantProcessLock reentrantLock() {
    throw unsupported("reentrantLock()");
  }

  @Override
  public ProcessSemaphore semaphore(int permits) {
    return new RabbitSemaphore(tokens(checkPermits(permits)), false);
  }

  @Override
  public ProcessSemaphore boundedSemaphore(int permits) {
    return new RabbitSemaphore(tokens(checkPermits(permits)), true);
  }

  private static int checkPermits(int permits) {
    if (permits < 0) {
      throw new IllegalArgumentException("permits must not be negative, got " + permits);
    }
    return permits;
  }

  @Override
  public ProcessEvent event() {
    ensureOpen();
    String name = settings.namespace() + ".event." + UUID.randomUUID();
    RabbitEvent e = RabbitEvent.create(this, name);
    created.add(name);
    return e;
  }

  @Override
  public ProcessBarrier barrier(int parties) {
    throw unsupported("barrier(int)");
  }

  @Override
  public ProcessBarrier barrier(
      int parties, @Nullable ProcessTarget action, @Nullable Duration timeout) {
    throw unsupported("barrier(int, ProcessTarget, Duration)");
  }

  @Override
  public SharedLong sharedLong(long initial) {
    throw unsupported("sharedLong(long)");
  }

  @Override
  public SharedDouble sharedDouble(double initial) {
    throw unsupported("sharedDouble(double)");
  }

  @Override
  public SharedLongArray sharedLongArray(int length) {
    throw unsupported("sharedLongArray(int)");
  }

  @Override
  public SharedDoubleArray sharedDoubleArray(int length) {
    throw unsupported("sharedDoubleArray(int)");
  }

  @Override
  public SharedMemory sharedMemory(long sizeBytes) {
    throw unsupported("sharedMemory(long)");
  }

  @Override
  public ProcessCondition condition() {
    throw unsupported("condition()");
  }

  @Override
  public ProcessCondition condition(ProcessLock lock) {
    throw unsupported("condition(ProcessLock)");
  }

  @Override
  public void setDeadlockDetection(boolean enabled) {
    throw unsupported("setDeadlockDetection(boolean)");
  }

  @Override
  public List<Deadlock> findDeadlocks() {
    throw unsupported("findDeadlocks()");
  }

  @Override
  public Pipe pipe() {
    throw unsupported("pipe()");
  }

  @Override
  public Pipe pipe(boolean duplex) {
    throw unsupported("pipe(boolean)");
  }

  @Override
  public Pipe pipe(boolean duplex, org.multiprocessing4j.Codec<?> codec) {
    throw unsupported("pipe(boolean, Codec)");
  }

  // ---------------------------------------------------------------------------------- close

  private void atExit() {
    if (closed) {
      return;
    }
    for (BrokerQueue q : queues) {
      q.ackAllHeld();
    }
    disconnect();
  }

  private void disconnect() {
    closed = true;
    RabbitContexts.forget(this);
    try {
      connection.close(2_000);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing the broker connection: " + e);
    }
  }

  void track(BrokerQueue q) {
    queues.add(q);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    List<RabbitPoolEngine> stopping = List.copyOf(pools);
    for (RabbitPoolEngine e : stopping) {
      e.shutdownNow();
    }
    for (PoolNode n : nodes) {
      n.close();
    }
    // A pool deletes its reply queue as it terminates, on a thread of its own: let it, before the
    // connection goes (otherwise the queue waits for its expiry).
    for (RabbitPoolEngine e : stopping) {
      try {
        e.awaitTermination(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    MultiprocessingContext p = processes;
    if (p != null) {
      p.close();
    }
    for (BrokerQueue q : queues) {
      q.close();
    }
    if (owner) {
      for (String name : created) {
        try {
          admin(ch -> ch.queueDelete(name));
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.DEBUG, "deleting queue " + name + ": " + e);
        }
      }
    }
    disconnect();
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException e) {
      // already exiting
    }
  }

  @Override
  public String toString() {
    return "RabbitContext[" + settings + (closed ? ", closed" : "") + "]";
  }
}
