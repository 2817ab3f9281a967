package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.internal.shm.ShmDirectory;

/**
 * Queues when things go wrong: values that cannot be encoded or decoded, interrupts, processes
 * killed mid-operation, and the removal of shared-memory files. Each asserts within a bounded wait.
 */
@ExtendWith(ShmCleanup.class)
class QueueFailureTest {

  static final Duration CHILD_BOUND = Duration.ofMinutes(2);

  @TempDir Path dir;

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void closeContext() {
    ctx.close();
  }

  static void joinOk(JvmProcess p) throws InterruptedException {
    assertThat(p.join(CHILD_BOUND)).as("%s ended", p.name()).isTrue();
    assertThat(p.exitCode()).as("%s exit code", p.name()).hasValue(0);
  }

  static Set<String> ourFiles() {
    Set<String> names = new HashSet<>();
    for (Path p : ShmDirectory.list("mp4j-")) {
      names.add(p.getFileName().toString());
    }
    return names;
  }

  // ------------------------------------------------------------------ encoding and decoding

  @Test
  void put_unencodableItem_throwsNamingTheClass_queueStaysUsable() throws Exception {
    ProcessQueue<Object> q = ctx.queue();
    Object notSerializable = new Object();
    assertThatThrownBy(() -> q.put(List.of("ok", notSerializable)))
        .isInstanceOf(UnserializableValueException.class)
        .hasMessageContaining("java.lang.Object")
        .satisfies(
            e ->
                assertThat(((UnserializableValueException) e).offendingClass())
                    .isEqualTo("java.lang.Object"));
    assertThat(q.empty()).isTrue();
    q.put("still works");
    assertThat(q.get()).isEqualTo("still works");
  }

  @Test
  void get_itemClassMissingInChild_throwsUndecodable_nextItemArrives() throws Exception {
    ProcessQueue<Object> q = ctx.queue();
    ProcessQueue<String> report = ctx.queue();
    q.put(ForeignClass.compileAndLoad(dir));
    q.put("after");
    JvmProcess child =
        new JvmProcess(
                () -> {
                  try {
                    q.get();
                    report.put("decoded?!");
                  } catch (UndecodableValueException e) {
                    report.put("undecodable: " + e.getMessage());
                  }
                  report.put("next: " + q.get());
                })
            .start();
    assertThat(report.get(CHILD_BOUND))
        .startsWith("undecodable:")
        .contains(ForeignClass.NAME)
        .contains("class path");
    assertThat(report.get(CHILD_BOUND)).isEqualTo("next: after");
    joinOk(child);
  }

  // ------------------------------------------------------------------ interrupts

  /** Whether {@code t} is blocked waiting for the queue (a futex wait shows as RUNNABLE). */
  static boolean waiting(Thread t) {
    for (StackTraceElement f : t.getStackTrace()) {
      if (f.getClassName().endsWith(".EventCount") && f.getMethodName().equals("await")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void get_blockedThreadInterrupted_throwsInterruptedException_queueConsistent() throws Exception {
    ProcessQueue<String> q = ctx.queue();
    AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
    Thread getter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    q.get();
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    await().atMost(CHILD_BOUND).until(() -> waiting(getter));
    getter.interrupt();
    getter.join(CHILD_BOUND.toMillis());
    assertThat(getter.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    q.put("x");
    assertThat(q.qsize()).isEqualTo(1);
    assertThat(q.get()).isEqualTo("x");
  }

  @Test
  void put_blockedThreadInterrupted_throwsInterruptedException_itemNotPut() throws Exception {
    ProcessQueue<String> q = ctx.queue(1);
    q.put("first");
    AtomicReference<@Nullable Throwable> thrown = new AtomicReference<>();
    Thread putter =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    q.put("second");
                  } catch (Throwable t) {
                    thrown.set(t);
                  }
                });
    await().atMost(CHILD_BOUND).until(() -> waiting(putter));
    putter.interrupt();
    putter.join(CHILD_BOUND.toMillis());
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(q.qsize()).isEqualTo(1);
    assertThat(q.get()).isEqualTo("first");
    assertThat(q.poll()).isNull();
  }

  // ------------------------------------------------------------------ killed processes

  static byte[] numbered(int n) {
    byte[] b = new byte[2000 + n % 3000];
    java.util.Arrays.fill(b, (byte) n);
    java.nio.ByteBuffer.wrap(b).putInt(0, n);
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    java.nio.ByteBuffer.wrap(b).putLong(b.length - 8, crc.getValue());
    return b;
  }

  static boolean intact(byte[] b) {
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 8);
    return crc.getValue() == java.nio.ByteBuffer.wrap(b).getLong(b.length - 8);
  }

  /** A producer SIGKILLed while putting: no torn item, no gap, and the queue works on. */
  @Test
  void producerKilledWhilePutting_noTornItem_queueStaysUsable() throws Exception {
    ProcessQueue<byte[]> q = ctx.queue(50);
    JvmProcess producer =
        new JvmProcess(
                () -> {
                  for (int i = 0; ; i++) {
                    q.put(numbered(i));
                  }
                })
            .start();
    int expected = 0;
    for (; expected < 2_000; expected++) {
      byte[] b = q.get(CHILD_BOUND);
      assertThat(intact(b)).isTrue();
      assertThat(java.nio.ByteBuffer.wrap(b).getInt(0)).isEqualTo(expected);
    }
    producer.kill(); // while it puts, or waits for room: it does nothing else
    producer.join(CHILD_BOUND);
    byte[] b;
    while ((b = q.poll()) != null) {
      assertThat(intact(b)).isTrue();
      assertThat(java.nio.ByteBuffer.wrap(b).getInt(0)).isEqualTo(expected++);
    }
    q.put(numbered(-1), CHILD_BOUND);
    assertThat(q.get(CHILD_BOUND)).isEqualTo(numbered(-1));
    assertThat(q.empty()).isTrue();
  }

  /** A consumer SIGKILLed while getting: the others go on, nothing is duplicated. */
  @Test
  void consumerKilledWhileGetting_queueStaysUsable_nothingDuplicated() throws Exception {
    ProcessQueue<Integer> q = ctx.queue();
    ProcessQueue<Integer> seen = ctx.queue();
    for (int i = 0; i < 20_000; i++) {
      q.put(i);
    }
    JvmProcess consumer =
        new JvmProcess(
                () -> {
                  while (true) {
                    seen.put(q.get());
                  }
                })
            .start();
    await().atMost(CHILD_BOUND).until(() -> seen.qsize() > 100);
    consumer.kill();
    consumer.join(CHILD_BOUND);
    Set<Integer> all = new HashSet<>();
    Integer i;
    while ((i = seen.poll()) != null) {
      assertThat(all.add(i)).isTrue();
    }
    while ((i = q.poll()) != null) {
      assertThat(all.add(i)).as("delivered twice: %d", i).isTrue();
    }
    // At most the one item the consumer had removed but not yet forwarded is missing.
    assertThat(all.size()).isBetween(20_000 - 1, 20_000);
  }

  /**
   * A consumer SIGKILLed between get and taskDone: join() throws naming it instead of waiting
   * forever (as Python's does); a taskDone() from the parent writes the lost task off.
   */
  @Test
  void join_consumerKilledHoldingATask_throwsAbandonedTasks_writeOffLetsJoinReturn()
      throws Exception {
    JoinableQueue<String> q = ctx.joinableQueue();
    ProcessQueue<String> took = ctx.queue();
    q.put("a");
    q.put("b");
    JvmProcess consumer =
        new JvmProcess(
                () -> {
                  q.get();
                  q.taskDone(); // the first is done
                  took.put(q.get()); // the second is taken, never done
                  Thread.sleep(Long.MAX_VALUE);
                })
            .start();
    assertThat(took.get(CHILD_BOUND)).isEqualTo("b");
    assertThat(q.join(Duration.ofMillis(300))).as("a live consumer holds it: wait").isFalse();
    consumer.kill();
    consumer.join(CHILD_BOUND);
    long start = System.nanoTime();
    assertThatThrownBy(q::join)
        .isInstanceOf(AbandonedTasksException.class)
        .hasMessageContaining("process " + consumer.pid() + " died holding 1 unfinished task")
        .satisfies(
            e -> {
              assertThat(((AbandonedTasksException) e).pid()).isEqualTo(consumer.pid());
              assertThat(((AbandonedTasksException) e).tasks()).isEqualTo(1);
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CHILD_BOUND);
    assertThatThrownBy(() -> q.join(Duration.ofSeconds(10)))
        .as("every join throws until written off")
        .isInstanceOf(AbandonedTasksException.class);
    q.taskDone(); // write the lost task off
    assertThat(q.join(Duration.ofSeconds(10))).isTrue();
    q.put("c"); // the queue goes on
    assertThat(q.get()).isEqualTo("c");
    assertThat(q.join(Duration.ZERO)).isFalse();
    q.taskDone();
    q.join();
  }

  /** A task handed to another process and reported done there does not count as abandoned. */
  @Test
  void join_taskDoneByAnotherProcess_thanTheOneThatTookIt_returns() throws Exception {
    JoinableQueue<String> q = ctx.joinableQueue();
    q.put("x");
    assertThat(q.get()).isEqualTo("x"); // taken here
    JvmProcess other = new JvmProcess(q::taskDone).start(); // done there
    joinOk(other);
    assertThat(q.join(CHILD_BOUND)).isTrue();
  }

  static String overflowPrefix(ProcessQueue<?> q) {
    String s = q.toString(); // LocalProcessQueue[<name>, n items]
    return s.substring(s.indexOf('[') + 1, s.indexOf(',')) + ".x";
  }

  /**
   * A producer SIGKILLed in the middle of putting large items (each in an overflow file) leaves no
   * file behind once the queue is closed: an overflow file it wrote and never committed is removed
   * by the close, and so is one planted under a dead writer's name; files of committed items stay
   * until they are taken.
   */
  @Test
  void producerKilledMidPutOfLargeItems_closeRemovesItsOverflowFiles() throws Exception {
    int size = 4 << 20;
    ProcessQueue<byte[]> q = ctx.queue(QueueOptions.builder().ringBytes(4096).maxsize(2).build());
    JvmProcess producer =
        new JvmProcess(
                () -> {
                  while (true) {
                    q.put(new byte[size]); // every item goes to a file of its own
                  }
                })
            .start();
    for (int i = 0; i < 20; i++) {
      assertThat(q.get(CHILD_BOUND)).hasSize(size);
    }
    producer.kill(); // most likely while it writes a file
    producer.join(CHILD_BOUND);
    String prefix = overflowPrefix(q);
    // What a producer killed after creating its file and before committing it leaves behind.
    String writer = Long.toString(producerToken(producer.pid()), 36);
    java.nio.file.Files.write(
        ShmDirectory.dir().resolve(prefix + "999999.w" + writer), new byte[8]);
    assertThat(ShmDirectory.list(prefix)).isNotEmpty();
    int committed = q.qsize(); // at most 2: their files stay until taken
    q.close();
    assertThat(ShmDirectory.list(prefix)).hasSize(committed);
  }

  /** The token of a dead process: its pid with a start time no process has. */
  static long producerToken(long pid) {
    return org.multiprocessing4j.internal.os.ProcessIdentity.token(pid, 1);
  }

  // ------------------------------------------------------------------ shared-memory files

  @Test
  void contextClose_removesItsFilesIncludingOverflow_laterUseThrows() throws Exception {
    Set<String> before = ourFiles();
    MultiprocessingContext other = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    ProcessQueue<byte[]> q = other.queue();
    SimpleQueue<String> s = other.simpleQueue();
    s.put("x");
    q.put(new byte[1 << 20]); // over a quarter of the ring: an overflow file
    Set<String> created = ourFiles();
    created.removeAll(before);
    assertThat(created).hasSize(3).anyMatch(n -> n.contains(".x"));
    other.close();
    assertThat(ourFiles()).doesNotContainAnyElementsOf(created);
    assertThatThrownBy(() -> q.put(new byte[1]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("context that created it was closed");
    other.close(); // idempotent
  }

  @Test
  void childQueue_childExitsNormally_itsFilesAreRemoved() throws Exception {
    ProcessQueue<String> names = ctx.queue();
    JvmProcess child =
        new JvmProcess(
                () -> {
                  ProcessQueue<String> mine = Multiprocessing.local().queue();
                  mine.put("x");
                  names.put(mine.toString());
                })
            .start();
    String description = names.get(CHILD_BOUND);
    joinOk(child);
    String prefix = "mp4j-" + child.pid() + "-";
    assertThat(description).contains(prefix);
    assertThat(ShmDirectory.list(prefix)).isEmpty();
  }

  @Test
  void childQueue_childKilled_filesSweptByNextNewContext() throws Exception {
    ProcessQueue<String> ready = ctx.queue();
    JvmProcess child =
        new JvmProcess(
                () -> {
                  ProcessQueue<String> mine = Multiprocessing.local().queue();
                  mine.put("x");
                  ready.put("ready");
                  Thread.sleep(Long.MAX_VALUE);
                })
            .start();
    assertThat(ready.get(CHILD_BOUND)).isEqualTo("ready");
    String prefix = "mp4j-" + child.pid() + "-";
    assertThat(ShmDirectory.list(prefix)).isNotEmpty();
    child.kill();
    child.join(CHILD_BOUND);
    assertThat(ShmDirectory.list(prefix)).as("SIGKILL runs no hook").isNotEmpty();
    try (MultiprocessingContext fresh =
        Multiprocessing.newLocalContext(ProcessOptions.defaults())) {
      fresh.queue();
      assertThat(ShmDirectory.list(prefix)).isEmpty();
    }
  }

  @Test
  void queueOfClosedContext_sentToChild_startFailsNamingTheQueue() throws Exception {
    MultiprocessingContext other = Multiprocessing.newLocalContext(ProcessOptions.defaults());
    ProcessQueue<String> q = other.queue();
    other.close();
    JvmProcess child = new JvmProcess(() -> q.put("never"));
    assertThatThrownBy(child::start)
        .isInstanceOf(ProcessStartException.class)
        .hasMessageContaining("no longer exists");
  }
}
