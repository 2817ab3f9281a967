package org.multiprocessing4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link QueueOptions}: validation, and the ring size and memory budget taking effect. */
@ExtendWith(ShmCleanup.class)
class QueueOptionsTest {

  static final Duration CHILD_BOUND = Duration.ofMinutes(2);
  static final Duration SHORT = Duration.ofMillis(100);

  private final MultiprocessingContext ctx =
      Multiprocessing.newLocalContext(ProcessOptions.defaults());

  @AfterEach
  void closeContext() {
    ctx.close();
  }

  // ------------------------------------------------------------------ validation

  @Test
  void defaults_areThoseOfAQueueWithoutOptions() {
    QueueOptions d = QueueOptions.defaults();
    assertThat(d.maxsize()).isZero();
    assertThat(d.ringBytes()).isEqualTo(1L << 20);
    assertThat(d.memoryBudgetBytes()).isEqualTo((1L << 20) + (256L << 20));
    assertThat(d.codec()).isEmpty();
    assertThat(QueueOptions.builder().build()).isEqualTo(d);
  }

  @Test
  void ringBytes_notAPowerOfTwo_throwsNamingTheNextSize() {
    assertThatThrownBy(() -> QueueOptions.builder().ringBytes(5000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("power of two")
        .hasMessageContaining("got 5000")
        .hasMessageContaining("next allowed size is 8192");
  }

  @Test
  void ringBytes_outOfRange_throws() {
    assertThatThrownBy(() -> QueueOptions.builder().ringBytes(512))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("from 1024");
    assertThatThrownBy(() -> QueueOptions.builder().ringBytes(1L << 31))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(1 GiB)");
    assertThatThrownBy(() -> QueueOptions.builder().ringBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void maxsize_negative_throws() {
    assertThatThrownBy(() -> QueueOptions.builder().maxsize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxsize must be 0 (no limit) or more, got -1");
  }

  @Test
  void memoryBudget_notPositive_throws() {
    assertThatThrownBy(() -> QueueOptions.builder().memoryBudgetBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }

  @Test
  void build_budgetBelowRing_throwsSayingWhatToChange() {
    assertThatThrownBy(
            () -> QueueOptions.builder().ringBytes(1 << 16).memoryBudgetBytes(1000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memoryBudgetBytes (1000) must be at least ringBytes (65536)");
  }

  /** The budget is checked against the ring at the setter that makes it too small, either way. */
  @Test
  void setters_budgetBelowASetRing_throwAtTheCall() {
    QueueOptions.Builder ringFirst = QueueOptions.builder().ringBytes(1 << 16);
    assertThatThrownBy(() -> ringFirst.memoryBudgetBytes(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memoryBudgetBytes (1000) must be at least ringBytes (65536)");
    QueueOptions.Builder budgetFirst = QueueOptions.builder().memoryBudgetBytes(4096);
    assertThatThrownBy(() -> budgetFirst.ringBytes(8192))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("memoryBudgetBytes (4096) must be at least ringBytes (8192)");
    // A budget below the default ring is fine while a smaller ring may still be set.
    assertThat(QueueOptions.builder().memoryBudgetBytes(4096).ringBytes(2048).build().ringBytes())
        .isEqualTo(2048);
    assertThatThrownBy(() -> QueueOptions.builder().memoryBudgetBytes(4096).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be at least ringBytes (1048576)");
  }

  /** Runs {@code body} with the system properties set, and restores them after. */
  static void withProperties(Map<String, String> properties, ThrowingRunnable body)
      throws Exception {
    Map<String, String> old = new HashMap<>();
    properties.keySet().forEach(k -> old.put(k, System.getProperty(k)));
    try {
      properties.forEach(System::setProperty);
      body.run();
    } finally {
      old.forEach(
          (k, v) -> {
            if (v == null) {
              System.clearProperty(k);
            } else {
              System.setProperty(k, v);
            }
          });
    }
  }

  /** A body that may throw. */
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * The system properties set the defaults in one place: {@link QueueOptions#defaults()}, a new
   * builder and a queue created without options all follow them.
   */
  @Test
  void defaults_systemProperties_setDefaultsBuilderAndQueuesWithoutOptions() throws Exception {
    withProperties(
        Map.of(
            QueueOptions.RING_BYTES_PROPERTY, "1024",
            QueueOptions.LARGE_ITEM_BYTES_PROPERTY, "4096"),
        () -> {
          QueueOptions d = QueueOptions.defaults();
          assertThat(d.ringBytes()).isEqualTo(1024);
          assertThat(d.memoryBudgetBytes()).isEqualTo(1024 + 4096);
          assertThat(QueueOptions.builder().build()).isEqualTo(d);
          ProcessQueue<byte[]> q = ctx.queue(); // no options: the 1 KiB ring of the property
          int n = 0;
          while (q.offer(new byte[100])) {
            n++;
          }
          assertThat(n).isBetween(5, 9);
        });
    assertThat(QueueOptions.defaults().ringBytes()).isEqualTo(QueueOptions.DEFAULT_RING_BYTES);
  }

  @Test
  void defaults_badSystemProperty_throwsNamingIt() throws Exception {
    withProperties(
        Map.of(QueueOptions.RING_BYTES_PROPERTY, "5000"),
        () ->
            assertThatThrownBy(QueueOptions::defaults)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mp4j.queue.ringBytes=5000")
                .hasMessageContaining("next allowed size is 8192"));
    withProperties(
        Map.of(QueueOptions.LARGE_ITEM_BYTES_PROPERTY, "lots"),
        () ->
            assertThatThrownBy(() -> ctx.queue())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mp4j.queue.largeItemBytes=lots"));
    // The property this one replaced is refused, not silently ignored.
    withProperties(
        Map.of("mp4j.queue.overflowBudgetBytes", "1000000"),
        () ->
            assertThatThrownBy(() -> ctx.queue())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no longer read")
                .hasMessageContaining(QueueOptions.LARGE_ITEM_BYTES_PROPERTY));
  }

  @Test
  void build_ringOnly_budgetGrowsWithTheRing() {
    QueueOptions o = QueueOptions.builder().ringBytes(1 << 26).build();
    assertThat(o.memoryBudgetBytes()).isEqualTo((1L << 26) + (256L << 20));
  }

  @Test
  void simpleQueue_withMaxsize_throws() {
    QueueOptions bounded = QueueOptions.builder().maxsize(3).build();
    assertThatThrownBy(() -> ctx.simpleQueue(bounded))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a SimpleQueue has no maxsize");
  }

  // ------------------------------------------------------------------ taking effect

  @Test
  void maxsize_fromOptions_bounds() throws Exception {
    JoinableQueue<Integer> q = ctx.joinableQueue(QueueOptions.builder().maxsize(2).build());
    q.put(1);
    q.put(2);
    assertThat(q.full()).isTrue();
    assertThat(q.maxsize()).isEqualTo(2);
    assertThatThrownBy(() -> q.put(3, SHORT)).isInstanceOf(QueueFullException.class);
  }

  /** A 1 KiB ring holds only a few 100-byte items; the default ring holds thousands. */
  @Test
  void ringBytes_smallRing_fillsAfterAFewItems() throws Exception {
    ProcessQueue<byte[]> small = ctx.queue(QueueOptions.builder().ringBytes(1024).build());
    int n = 0;
    while (small.offer(new byte[100])) {
      n++;
    }
    assertThat(n).isBetween(5, 9); // 1024 / (100 + record header, aligned)
    assertThatThrownBy(() -> small.put(new byte[100], SHORT))
        .isInstanceOf(QueueFullException.class);
    small.get();
    // 128 bytes free now; the next record wraps: 16 bytes of padding, its 112, and the 8-byte word
    // after it that must read "no record": one more get.
    assertThat(small.offer(new byte[100])).isFalse();
    small.get();
    assertThat(small.offer(new byte[100])).isTrue();
    ProcessQueue<byte[]> normal = ctx.queue();
    for (int i = 0; i < 1000; i++) {
      assertThat(normal.offer(new byte[100])).isTrue();
    }
  }

  /**
   * Large items (above a quarter of the ring) count against the memory budget: a put waits while
   * the budget is spent, in a child process too, and proceeds when a get frees it.
   */
  @Test
  void memoryBudget_largeItemsBeyondIt_putInChildWaitsUntilAGetFreesRoom() throws Exception {
    int item = 600 << 10;
    ProcessQueue<byte[]> q =
        ctx.queue(
            QueueOptions.builder()
                .ringBytes(1 << 16)
                .memoryBudgetBytes((1 << 16) + (1 << 20)) // room for one 600 KiB item
                .build());
    ProcessQueue<String> report = ctx.queue();
    JvmProcess child =
        new JvmProcess(
                () -> {
                  q.put(new byte[item]);
                  try {
                    q.putNowait(new byte[item]);
                    report.put("second fitted?!");
                  } catch (QueueFullException e) {
                    report.put("second is full");
                  }
                  q.put(new byte[item], CHILD_BOUND); // waits for the parent's get
                  report.put("third put");
                })
            .start();
    assertThat(report.get(CHILD_BOUND)).isEqualTo("second is full");
    assertThat(q.get(CHILD_BOUND)).hasSize(item);
    assertThat(report.get(CHILD_BOUND)).isEqualTo("third put");
    assertThat(q.get(CHILD_BOUND)).hasSize(item);
    assertThat(child.join(CHILD_BOUND)).isTrue();
    assertThat(child.exitCode()).hasValue(0);
  }

  /** An item larger than the whole budget still passes when no other large item is held. */
  @Test
  void memoryBudget_oneItemLargerThanTheBudget_passesAlone() throws Exception {
    ProcessQueue<byte[]> q =
        ctx.queue(QueueOptions.builder().ringBytes(1024).memoryBudgetBytes(4096).build());
    q.put(new byte[1 << 20], SHORT);
    assertThatThrownBy(() -> q.put(new byte[1 << 20], SHORT))
        .isInstanceOf(QueueFullException.class);
    assertThat(q.get()).hasSize(1 << 20);
    q.put(new byte[1 << 20], SHORT);
    assertThat(q.get()).hasSize(1 << 20);
  }
}
