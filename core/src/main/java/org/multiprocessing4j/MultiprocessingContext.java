package org.multiprocessing4j;

import org.jspecify.annotations.Nullable;

/**
 * Creates processes, queues, pipes, locks, shared values and process pools, and owns their
 * resources, as Python's {@code multiprocessing} context objects do.
 *
 * <p>{@link Multiprocessing#local()} is the default context of this JVM; {@link
 * Multiprocessing#newLocalContext(ProcessOptions)} makes one with its own defaults. The same user
 * code runs on any context.
 */
public interface MultiprocessingContext extends AutoCloseable {

  /**
   * Returns the options every process created by this context starts with.
   *
   * @return the default options
   */
  ProcessOptions defaults();

  /**
   * Creates a lock shared by the threads of every process it is handed to, as Python's {@code
   * ctx.Lock()}; it survives the death of its holder (see {@link ProcessLock}).
   *
   * @return a new, unlocked lock, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessLock lock();

  /**
   * Creates a reentrant lock, as Python's {@code ctx.RLock()} (see {@link ReentrantProcessLock}).
   *
   * @return a new, unlocked lock, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ReentrantProcessLock reentrantLock();

  /**
   * Creates a semaphore with {@code permits} permits, as Python's {@code ctx.Semaphore(permits)}
   * (see {@link ProcessSemaphore}). Releases beyond the initial permits are allowed.
   *
   * @param permits the initial number of permits; may be 0
   * @return a new semaphore, owned by this context
   * @throws IllegalArgumentException if {@code permits} is negative
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessSemaphore semaphore(int permits);

  /**
   * Creates a bounded semaphore, as Python's {@code ctx.BoundedSemaphore(permits)}: a release that
   * would raise its permits above {@code permits} throws {@link IllegalStateException}.
   *
   * @param permits the initial and largest number of permits; may be 0
   * @return a new semaphore, owned by this context
   * @throws IllegalArgumentException if {@code permits} is negative
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessSemaphore boundedSemaphore(int permits);

  /**
   * Creates a semaphore with {@code permits} permits, choosing what happens to the permits of a
   * process that ends while holding them (see {@link ProcessSemaphore}, "When a process dies").
   * Otherwise as {@link #semaphore(int)}.
   *
   * <p>The default implementation serves {@link ProcessSemaphore.PermitRecovery#GIVE_BACK} only;
   * the local context serves both.
   *
   * @param permits the initial number of permits; may be 0
   * @param recovery {@link ProcessSemaphore.PermitRecovery#GIVE_BACK GIVE_BACK} to give them back
   *     (what {@link #semaphore(int)} does), {@link ProcessSemaphore.PermitRecovery#NONE NONE} to
   *     leave them taken, as in Python
   * @return a new semaphore, owned by this context
   * @throws IllegalArgumentException if {@code permits} is negative
   * @throws UnsupportedOperationException if this context cannot serve {@code recovery}
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  default ProcessSemaphore semaphore(int permits, ProcessSemaphore.PermitRecovery recovery) {
    if (recovery == ProcessSemaphore.PermitRecovery.GIVE_BACK) {
      return semaphore(permits);
    }
    throw new UnsupportedOperationException(
        this + " cannot make semaphores with permit recovery " + recovery);
  }

  /**
   * Creates a bounded semaphore, choosing what happens to the permits of a process that ends while
   * holding them; otherwise as {@link #boundedSemaphore(int)} and {@link #semaphore(int,
   * ProcessSemaphore.PermitRecovery)}.
   *
   * @param permits the initial and largest number of permits; may be 0
   * @param recovery what happens to a dead holder's permits
   * @return a new semaphore, owned by this context
   * @throws IllegalArgumentException if {@code permits} is negative
   * @throws UnsupportedOperationException if this context cannot serve {@code recovery}
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  default ProcessSemaphore boundedSemaphore(int permits, ProcessSemaphore.PermitRecovery recovery) {
    if (recovery == ProcessSemaphore.PermitRecovery.GIVE_BACK) {
      return boundedSemaphore(permits);
    }
    throw new UnsupportedOperationException(
        this + " cannot make semaphores with permit recovery " + recovery);
  }

  /**
   * Creates an event, cleared, as Python's {@code ctx.Event()} (see {@link ProcessEvent}).
   *
   * @return a new event, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessEvent event();

  /**
   * Creates a barrier for {@code parties} parties, without action or default timeout, as Python's
   * {@code ctx.Barrier(parties)} (see {@link ProcessBarrier}).
   *
   * @param parties how many parties each round waits for; at least 1
   * @return a new barrier, owned by this context
   * @throws IllegalArgumentException if {@code parties} is less than 1
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessBarrier barrier(int parties);

  /**
   * Creates a barrier, as Python's {@code ctx.Barrier(parties, action, timeout)}.
   *
   * @param parties how many parties each round waits for; at least 1
   * @param action run once per round by the party that arrives last, before the others are
   *     released; serializable, since it travels with the barrier to every process; or null
   * @param timeout the timeout of {@link ProcessBarrier#await()}, or null for none
   * @return a new barrier, owned by this context
   * @throws IllegalArgumentException if {@code parties} is less than 1
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessBarrier barrier(
      int parties,
      @org.jspecify.annotations.Nullable ProcessTarget action,
      java.time.@org.jspecify.annotations.Nullable Duration timeout);

  /**
   * Creates a {@code long} in shared memory, as Python's {@code ctx.Value('q', initial)} (see
   * {@link SharedLong}).
   *
   * @param initial the value it starts with
   * @return a new shared value with its own lock, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  SharedLong sharedLong(long initial);

  /**
   * Creates a {@code double} in shared memory, as Python's {@code ctx.Value('d', initial)} (see
   * {@link SharedDouble}).
   *
   * @param initial the value it starts with
   * @return a new shared value with its own lock, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  SharedDouble sharedDouble(double initial);

  /**
   * Creates an array of {@code length} zeros in shared memory, as Python's {@code ctx.Array('q',
   * length)} (see {@link SharedLongArray}).
   *
   * @param length the number of elements; may be 0
   * @return a new shared array with its own lock, owned by this context
   * @throws IllegalArgumentException if {@code length} is negative
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if the shared memory cannot be created
   */
  SharedLongArray sharedLongArray(int length);

  /**
   * Creates an array of {@code length} zeros in shared memory, as Python's {@code ctx.Array('d',
   * length)} (see {@link SharedDoubleArray}).
   *
   * @param length the number of elements; may be 0
   * @return a new shared array with its own lock, owned by this context
   * @throws IllegalArgumentException if {@code length} is negative
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if the shared memory cannot be created
   */
  SharedDoubleArray sharedDoubleArray(int length);

  /**
   * Creates a named block of {@code sizeBytes} zeroed bytes of shared memory, as Python's {@code
   * SharedMemory(create=True, size=sizeBytes)} (see {@link SharedMemory}). Closing this context
   * unlinks it and closes this process's mapping.
   *
   * @param sizeBytes the size; positive
   * @return the new block, mapped in this process
   * @throws IllegalArgumentException if {@code sizeBytes} is not positive
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if the shared memory cannot be created
   */
  SharedMemory sharedMemory(long sizeBytes);

  /**
   * Creates a condition variable with a new {@link ReentrantProcessLock}, as Python's {@code
   * ctx.Condition()}.
   *
   * @return a new condition, owned by this context
   * @throws IllegalStateException if this context is closed, or its shared memory for
   *     synchronisation objects is used up
   * @throws java.io.UncheckedIOException if that shared memory cannot be created
   */
  ProcessCondition condition();

  /**
   * Creates a condition variable bound to {@code lock}, as Python's {@code ctx.Condition(lock)}.
   *
   * @param lock a lock created by a context of the same kind as this one
   * @return a new condition; its memory belongs to the context that created {@code lock}
   * @throws IllegalArgumentException if {@code lock} comes from a context of another kind
   * @throws IllegalStateException if the lock's context is closed
   */
  ProcessCondition condition(ProcessLock lock);

  /**
   * Turns the deadlock detector on or off for the locks of this context, in every process that uses
   * them (the setting lives in their shared memory). Off by default.
   *
   * <p>When on, a thread that has waited for one of the context's locks for a while (about 50 ms)
   * looks, every 50 ms, for a cycle of threads each waiting for a lock the next one holds; when it
   * sees the same cycle twice, exactly one thread of the cycle gets a {@link
   * ProcessDeadlockException} from its acquire call (the others keep waiting, and proceed once it
   * releases its locks). Waiting on conditions, semaphores and barriers is not part of the
   * analysis.
   *
   * @param enabled true to turn detection on
   * @throws IllegalStateException if this context is closed
   */
  void setDeadlockDetection(boolean enabled);

  /**
   * Returns the cycles of threads, in any processes, that wait for one another's locks of this
   * context right now: a report of deadlocks, as {@code ThreadMXBean.findDeadlockedThreads()} gives
   * for one JVM. Works whether the detector is on or not; sees only waits that have lasted about 50
   * ms or more.
   *
   * @return the cycles, each once; empty if there is none
   * @throws IllegalStateException if this context is closed
   */
  java.util.List<Deadlock> findDeadlocks();

  /**
   * Creates a process that will run {@code target}, with this context's defaults. Not started.
   *
   * @param target the code to run in the child; serializable
   * @return a new, unstarted process
   */
  JvmProcess process(ProcessTarget target);

  /**
   * Creates a process that will run {@code target} with one argument, as Python's {@code
   * ctx.Process(target=f, args=(a,))}. Not started.
   *
   * @param target the code to run in the child; serializable
   * @param arg its argument; serializable
   * @param <A> the argument's type
   * @return a new, unstarted process
   */
  <A> JvmProcess process(ProcessTarget.Arg1<A> target, A arg);

  /**
   * Creates a queue without a limit on items, as Python's {@code ctx.Queue()}. Puts wait only when
   * its memory budget is spent.
   *
   * @param <E> the type of the items
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E> ProcessQueue<E> queue();

  /**
   * Creates a queue that holds at most {@code maxsize} items, as Python's {@code
   * ctx.Queue(maxsize)}.
   *
   * @param maxsize the most items held at once; 0 or less for no limit, as in Python
   * @param <E> the type of the items
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E> ProcessQueue<E> queue(int maxsize);

  /**
   * Creates a joinable queue without a limit on items, as Python's {@code ctx.JoinableQueue()}.
   *
   * @param <E> the type of the items
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E> JoinableQueue<E> joinableQueue();

  /**
   * Creates a joinable queue that holds at most {@code maxsize} items, as Python's {@code
   * ctx.JoinableQueue(maxsize)}.
   *
   * @param maxsize the most items held at once; 0 or less for no limit
   * @param <E> the type of the items
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E> JoinableQueue<E> joinableQueue(int maxsize);

  /**
   * Creates a simple queue, as Python's {@code ctx.SimpleQueue()}.
   *
   * @param <E> the type of the items; null items are allowed
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E extends @Nullable Object> SimpleQueue<E> simpleQueue();

  /**
   * Creates a queue as {@code options} say: its maximum number of items, ring size, memory budget
   * and codec (see {@link QueueOptions}).
   *
   * @param options how to make the queue
   * @param <E> the type of the items; a codec in {@code options} must encode them
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created (for example,
   *     {@code /dev/shm} has no room for the ring)
   */
  <E> ProcessQueue<E> queue(QueueOptions options);

  /**
   * Creates a joinable queue as {@code options} say (see {@link QueueOptions}).
   *
   * @param options how to make the queue
   * @param <E> the type of the items; a codec in {@code options} must encode them
   * @return a new queue, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E> JoinableQueue<E> joinableQueue(QueueOptions options);

  /**
   * Creates a simple queue as {@code options} say: ring size, memory budget and codec (see {@link
   * QueueOptions}).
   *
   * @param options how to make the queue; without a maxsize
   * @param <E> the type of the items; null items are allowed, and never reach the codec
   * @return a new queue, owned by this context
   * @throws IllegalArgumentException if {@code options} set a maxsize: a simple queue has none
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  <E extends @Nullable Object> SimpleQueue<E> simpleQueue(QueueOptions options);

  /**
   * Creates a duplex pipe, as Python's {@code ctx.Pipe()}: both ends can send and receive.
   *
   * @return the two ends, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  Pipe pipe();

  /**
   * Creates a pipe, as Python's {@code ctx.Pipe(duplex)}: if not {@code duplex}, the first end can
   * only receive and the second can only send.
   *
   * @param duplex whether both ends can send and receive
   * @return the two ends, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  Pipe pipe(boolean duplex);

  /**
   * Creates a pipe whose ends encode what {@link Connection#send} sends with {@code codec} instead
   * of the built-in encoding (see {@link Codec}); the codec travels with each end to other
   * processes. {@code sendBytes} and {@code recvBytes} do not use it; {@code null} never reaches
   * it.
   *
   * @param duplex whether both ends can send and receive
   * @param codec the codec; it must encode every non-null value sent
   * @return the two ends, owned by this context
   * @throws IllegalStateException if this context is closed
   * @throws UnserializableValueException if the codec cannot be serialized, so could not travel
   * @throws java.io.UncheckedIOException if its shared memory cannot be created
   */
  Pipe pipe(boolean duplex, Codec<?> codec);

  /**
   * Creates a pool of {@code workers} worker processes that belongs to this context, as Python's
   * {@code ctx.Pool(processes)}: its workers start with this context's {@link #defaults()}, and
   * {@link #close()} shuts it down at once (as {@link ProcessPoolExecutor#shutdownNow()}: its
   * workers are killed and its unfinished futures cancelled). Returns at once; the workers start in
   * the background. On a distributed context (RabbitMQ) the pool's tasks also run on the worker
   * nodes of other hosts that serve the same pool: see that context's documentation.
   *
   * @param workers the number of worker processes, at least 1
   * @return the pool
   * @throws IllegalArgumentException if {@code workers} is less than 1
   * @throws IllegalStateException if called in a daemonic process, such as a pool worker
   */
  default ProcessPoolExecutor pool(int workers) {
    return poolBuilder().workers(workers).build();
  }

  /**
   * Returns a builder of a process pool that belongs to this context (see {@link #pool(int)}), for
   * the pool's other settings.
   *
   * @return a builder whose {@link ProcessPoolExecutor.Builder#context context} is this one
   */
  default ProcessPoolExecutor.Builder poolBuilder() {
    return ProcessPoolExecutor.builder().context(this);
  }

  /**
   * Kills the processes this context created that are still running, shuts down its pools (as
   * {@link ProcessPoolExecutor#shutdownNow()}), and releases the context's resources (the shared
   * memory of its queues is removed: processes that mapped it keep their mapping, and this
   * process's handles of it throw {@link IllegalStateException}). Idempotent. The default context
   * ({@link Multiprocessing#local()}) cannot be closed; closing it does nothing.
   */
  @Override
  void close();
}
