package org.multiprocessing4j.internal.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskFuture#handOff}: the outcome goes to a thread blocked in get() or join(), which
 * completes the future and runs its dependents; the handing thread runs none; with no waiter the
 * hand-off is refused; a waiter that leaves (timeout, interrupt) never loses a handed outcome.
 */
class TaskFuturePoolHandOffTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Waits until a thread is parked (blocked in get or join). */
  private static void awaitBlocked(Thread t) {
    await()
        .atMost(WAIT)
        .until(
            () ->
                t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
  }

  /** What a waiting thread got: a value or what it threw. */
  private interface Wait {
    Object await() throws Exception;
  }

  /** Starts a platform thread that waits, and records what its wait returned or threw. */
  private static Thread waiter(Wait w, AtomicReference<Object> got) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                got.set(w.await());
              } catch (Exception e) {
                got.set(e);
              }
            });
  }

  @Test
  void handOff_withNoWaiter_isRefusedAndTheFutureStaysIncomplete() {
    TaskFuture<String> f = new TaskFuture<>(true);
    assertThat(f.handOff("x", null, () -> {})).isFalse();
    assertThat(f).isNotDone();
    TaskFuture<String> plain = new TaskFuture<>();
    assertThat(plain.handOff("x", null, () -> {})).isFalse();
  }

  @Test
  void handOff_toAThreadInGet_completesInThatThread_dependentsRunThere() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Thread> ranIn = new AtomicReference<>();
    CompletableFuture<String> dependent =
        f.thenApply(
            v -> {
              ranIn.set(Thread.currentThread());
              return v + "!";
            });
    AtomicReference<Object> got = new AtomicReference<>();
    AtomicInteger thens = new AtomicInteger();
    Thread waiter = waiter(f::get, got);
    awaitBlocked(waiter);
    assertThat(f.handOff("v", null, thens::incrementAndGet)).isTrue();
    waiter.join(WAIT.toMillis());
    assertThat(got.get()).isEqualTo("v");
    assertThat(ranIn.get()).isSameAs(waiter); // not the handing (this) thread
    assertThat(thens).hasValue(1);
    assertThat(dependent.get()).isEqualTo("v!");
  }

  @Test
  void handOff_ofAFailure_toJoin_completesExceptionally() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Object> got = new AtomicReference<>();
    Thread waiter = waiter(f::join, got);
    awaitBlocked(waiter);
    assertThat(f.handOff(null, new IllegalStateException("boom"), () -> {})).isTrue();
    waiter.join(WAIT.toMillis());
    assertThat((Throwable) got.get()).hasRootCauseMessage("boom");
    assertThat(f).isCompletedExceptionally();
  }

  @Test
  void cancel_whileAThreadWaitsForAHandOff_wakesItWithCancellation() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Object> got = new AtomicReference<>();
    Thread waiter = waiter(() -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS), got);
    awaitBlocked(waiter);
    assertThat(f.cancel(false)).isTrue();
    waiter.join(WAIT.toMillis());
    assertThat(got.get()).isInstanceOf(CancellationException.class);
    assertThat(f.handOff("late", null, () -> {})).isFalse(); // no waiter any more
  }

  @Test
  void completedElsewhere_whileAThreadWaits_wakesIt() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Object> got = new AtomicReference<>();
    Thread waiter = waiter(f::join, got);
    awaitBlocked(waiter);
    f.complete("other path");
    waiter.join(WAIT.toMillis());
    assertThat(got.get()).isEqualTo("other path");
  }

  @Test
  void get_timesOut_thenTheFutureCanStillBeHandedToTheNextWaiter() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    assertThatThrownBy(() -> f.get(20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    assertThat(f.handOff("x", null, () -> {})).isFalse(); // the slot was freed
    AtomicReference<Object> got = new AtomicReference<>();
    Thread waiter = waiter(f::join, got);
    awaitBlocked(waiter);
    assertThat(f.handOff("x", null, () -> {})).isTrue();
    waiter.join(WAIT.toMillis());
    assertThat(got.get()).isEqualTo("x");
  }

  @Test
  void interrupt_ofAWaiter_throwsInterruptedAndLeavesTheFutureToTheOtherPath() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Object> got = new AtomicReference<>();
    Thread waiter = waiter(f::get, got);
    awaitBlocked(waiter);
    waiter.interrupt();
    waiter.join(WAIT.toMillis());
    assertThat(got.get()).isInstanceOf(InterruptedException.class);
    assertThat(f.handOff("x", null, () -> {})).isFalse();
    assertThat(f).isNotDone();
  }

  @Test
  void twoWaiters_oneTakesTheHandOff_bothGetTheValue() throws Exception {
    TaskFuture<String> f = new TaskFuture<>(true);
    AtomicReference<Object> a = new AtomicReference<>();
    AtomicReference<Object> b = new AtomicReference<>();
    Thread ta = waiter(f::join, a);
    Thread tb = waiter(f::join, b);
    awaitBlocked(ta);
    awaitBlocked(tb);
    assertThat(f.handOff("both", null, () -> {})).isTrue();
    ta.join(WAIT.toMillis());
    tb.join(WAIT.toMillis());
    assertThat(a.get()).isEqualTo("both");
    assertThat(b.get()).isEqualTo("both");
  }

  @Test
  void manyRacingHandOffsAndTimeouts_neverLoseAnOutcome() throws Exception {
    for (int i = 0; i < 2_000; i++) {
      TaskFuture<Integer> f = new TaskFuture<>(true);
      int v = i;
      Thread waiter =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      f.get(v % 3, TimeUnit.MICROSECONDS);
                    } catch (Exception e) {
                      // timed out, or not: the outcome below must land either way
                    }
                  });
      if (!f.handOff(v, null, () -> {})) {
        f.complete(v); // the pool's other path
      }
      waiter.join(WAIT.toMillis());
      assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(v);
    }
  }
}
