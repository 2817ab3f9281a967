package org.multiprocessing4j;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.multiprocessing4j.internal.queue.LocalConnection;
import org.multiprocessing4j.internal.queue.Queues;
import org.multiprocessing4j.internal.shm.SegmentOwner;

/**
 * Entry point: the default context, new contexts, and facts about this machine.
 *
 * <p>Python's module-level functions live here or on {@link JvmProcess}: {@code cpu_count()} is
 * {@link #cpuCount()}; {@code current_process()}, {@code parent_process()} and {@code
 * active_children()} are {@link JvmProcess#current()}, {@link JvmProcess#parent()} and {@link
 * JvmProcess#activeChildren()}.
 */
public final class Multiprocessing {

  private static final LocalContext DEFAULT = new LocalContext(ProcessOptions.defaults(), false);

  private Multiprocessing() {}

  /**
   * Returns this JVM's default local context, the one {@code new JvmProcess(...)} uses.
   *
   * @return the default context; closing it does nothing
   */
  public static MultiprocessingContext local() {
    return DEFAULT;
  }

  /**
   * Creates a local context whose processes start with the given defaults. Closing it kills the
   * processes it created that are still running.
   *
   * @param defaults the options its processes start with
   * @return a new context
   */
  public static MultiprocessingContext newLocalContext(ProcessOptions defaults) {
    return new LocalContext(Objects.requireNonNull(defaults, "defaults"), true);
  }

  /**
   * Returns the number of processors available to this JVM, as Python's {@code cpu_count()} (but
   * honouring container limits, as {@link Runtime#availableProcessors()} does).
   *
   * @return at least 1
   */
  public static int cpuCount() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** Makes {@code pool} belong to {@code context}: closing the context shuts the pool down. */
  static void own(MultiprocessingContext context, PoolExecutor pool) {
    if (context instanceof LocalContext l) {
      l.own(pool);
    }
  }

  /** The one-host context. */
  private static final class LocalContext implements MultiprocessingContext {
    // touches no file until used
    private final org.multiprocessing4j.internal.sync.LocalSync sync =
        new org.multiprocessing4j.internal.sync.LocalSync();
    private final ProcessOptions defaults;
    private final boolean closeable;
    private final List<JvmProcess> created = new CopyOnWriteArrayList<>();
    private final List<PoolExecutor> pools = new CopyOnWriteArrayList<>();
    private final SegmentOwner queues = SegmentOwner.open(); // touches no file until used

    LocalContext(ProcessOptions defaults, boolean closeable) {
      this.defaults = defaults;
      this.closeable = closeable;
    }

    @Override
    public ProcessOptions defaults() {
      return defaults;
    }

    @Override
    public ProcessLock lock() {
      return sync.lock();
    }

    @Override
    public ReentrantProcessLock reentrantLock() {
      return sync.reentrantLock();
    }

    @Override
    public ProcessSemaphore semaphore(int permits) {
      return sync.semaphore(permits, false, true);
    }

    @Override
    public ProcessSemaphore boundedSemaphore(int permits) {
      return sync.semaphore(permits, true, true);
    }

    @Override
    public ProcessSemaphore semaphore(int permits, ProcessSemaphore.PermitRecovery recovery) {
      return sync.semaphore(permits, false, giveBack(recovery));
    }

    @Override
    public ProcessSemaphore boundedSemaphore(
        int permits, ProcessSemaphore.PermitRecovery recovery) {
      return sync.semaphore(permits, true, giveBack(recovery));
    }

    private static boolean giveBack(ProcessSemaphore.PermitRecovery recovery) {
      return switch (recovery) {
        case GIVE_BACK -> true;
        case NONE -> false;
      };
    }

    @Override
    public ProcessEvent event() {
      return sync.event();
    }

    @Override
    public ProcessBarrier barrier(int parties) {
      return sync.barrier(parties, null, null);
    }

    @Override
    public ProcessBarrier barrier(
        int parties,
        @org.jspecify.annotations.Nullable ProcessTarget action,
        java.time.@org.jspecify.annotations.Nullable Duration timeout) {
      return sync.barrier(parties, action, timeout);
    }

    @Override
    public SharedLong sharedLong(long initial) {
      return sync.sharedLong(initial);
    }

    @Override
    public SharedDouble sharedDouble(double initial) {
      return sync.sharedDouble(initial);
    }

    @Override
    public SharedLongArray sharedLongArray(int length) {
      return sync.sharedLongArray(length);
    }

    @Override
    public SharedDoubleArray sharedDoubleArray(int length) {
      return sync.sharedDoubleArray(length);
    }

    @Override
    public SharedMemory sharedMemory(long sizeBytes) {
      return sync.sharedMemory(sizeBytes);
    }

    @Override
    public ProcessCondition condition() {
      return sync.condition();
    }

    @Override
    public ProcessCondition condition(ProcessLock lock) {
      return sync.condition(Objects.requireNonNull(lock, "lock"));
    }

    @Override
    public void setDeadlockDetection(boolean enabled) {
      sync.setDeadlockDetection(enabled);
    }

    @Override
    public List<Deadlock> findDeadlocks() {
      return sync.findDeadlocks();
    }

    @Override
    public <E> ProcessQueue<E> queue() {
      return Queues.queue(queues, 0);
    }

    @Override
    public <E> ProcessQueue<E> queue(int maxsize) {
      return Queues.queue(queues, maxsize);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue() {
      return Queues.joinableQueue(queues, 0);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
      return Queues.joinableQueue(queues, maxsize);
    }

    @Override
    public <E extends @org.jspecify.annotations.Nullable Object> SimpleQueue<E> simpleQueue() {
      return Queues.simpleQueue(queues);
    }

    @Override
    public <E> ProcessQueue<E> queue(QueueOptions options) {
      return Queues.queue(queues, options);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(QueueOptions options) {
      return Queues.joinableQueue(queues, options);
    }

    @Override
    public <E extends @org.jspecify.annotations.Nullable Object> SimpleQueue<E> simpleQueue(
        QueueOptions options) {
      return Queues.simpleQueue(queues, options);
    }

    @Override
    public Pipe pipe() {
      return LocalConnection.pipe(queues, true);
    }

    @Override
    public Pipe pipe(boolean duplex) {
      return LocalConnection.pipe(queues, duplex);
    }

    @Override
    public Pipe pipe(boolean duplex, Codec<?> codec) {
      // The builder checks that the codec can travel, and says so if not.
      QueueOptions checked = QueueOptions.builder().codec(codec).build();
      return LocalConnection.pipe(queues, duplex, checked.codec().orElseThrow());
    }

    @Override
    public JvmProcess process(ProcessTarget target) {
      return track(new JvmProcess(target));
    }

    @Override
    public <A> JvmProcess process(ProcessTarget.Arg1<A> target, A arg) {
      return track(new JvmProcess(target, arg));
    }

    private JvmProcess track(JvmProcess p) {
      p.setOptions(defaults);
      if (closeable) {
        created.removeIf(JvmProcess::isClosedOrEnded);
        created.add(p);
      }
      return p;
    }

    void own(PoolExecutor pool) {
      if (closeable) {
        pools.removeIf(PoolExecutor::isTerminated);
        pools.add(pool);
      }
    }

    @Override
    public void close() {
      if (closeable) {
        for (PoolExecutor p : pools) {
          var unused = p.shutdownNow(); // first, so that no pool starts a replacement worker
        }
        pools.clear();
        sync.close();
        for (JvmProcess p : created) {
          p.killIfRunning();
        }
        created.clear();
        queues.close();
      }
    }
  }
}
