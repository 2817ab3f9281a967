package org.multiprocessing4j.rabbitmq.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The nonces a process accepted within the maximum message age, kept as runs of counters per
 * sender: what {@link ReplayGuard} checks a message against to reject a replay.
 *
 * <p>A nonce is a sender's random prefix and its counter ({@link Envelope.Nonce}), and one sender's
 * messages to one receiver mostly carry consecutive counters (a context numbers every message it
 * seals; a pool's node sees its submitter's tasks, the submitter its node's results). So a run
 * {@code [first, last]} of counters taken, with the newest timestamp among them, holds what a map
 * entry per nonce held before: a sender whose messages come in order costs one run, extended in
 * place (no allocation, no lookup), where a {@code LinkedHashMap<Nonce, Long>} kept three objects
 * per message (about 100 bytes) for the whole maximum age (a day by default), up to a million per
 * context (docs/benchmarks.md, round 8). Counters that arrive out of order, or with gaps (a sender
 * that also writes to other queues), make more runs, which merge when the gaps fill.
 *
 * <p>Forgetting: a message older than the maximum age is rejected by {@link Envelope#open} before
 * it gets here, so a run whose newest message is older than that can never match again and is
 * dropped, by a sweep at most every eighth of the maximum age (or a second) and whenever the runs
 * exceed the cap. A run that keeps being extended keeps its older counters remembered: more than
 * needed, never less. Over the cap after a sweep (a flood of out-of-order counters), the runs with
 * the oldest newest message go first, as the oldest nonces did before.
 *
 * <p>Not thread-safe: the guard calls it under its own lock.
 */
final class ReplayMemory {

  private final long maxAgeMillis;
  private final int maxRuns;
  private final long sweepEveryMillis;
  private final Map<Long, Sender> senders = new HashMap<>();
  private int runs;
  private long nextSweep;

  /** A sender's runs, by first counter; {@code newest} is the run with the highest counters. */
  private static final class Sender {
    final TreeMap<Long, Run> byFirst = new TreeMap<>();
    Run newest;

    Sender(Run first) {
      byFirst.put(first.first, first);
      newest = first;
    }
  }

  /**
   * Counters {@code first} to {@code last} (inclusive) taken; {@code millis}: their newest stamp.
   */
  private static final class Run {
    long first;
    long last;
    long millis;

    Run(long counter, long millis) {
      this.first = counter;
      this.last = counter;
      this.millis = millis;
    }
  }

  ReplayMemory(long maxAgeMillis, int maxRuns) {
    this.maxAgeMillis = maxAgeMillis;
    this.maxRuns = maxRuns;
    this.sweepEveryMillis = Math.max(1000, maxAgeMillis / 8);
  }

  /** Returns how many runs are remembered, for tests. */
  int runs() {
    return runs;
  }

  /**
   * Records a nonce as taken, unless it was taken before.
   *
   * @param millis the message's timestamp (checked against the maximum age by the caller)
   * @param now the current time, epoch milliseconds
   * @return true if the nonce is new (now recorded), false if it was taken before (a replay)
   */
  boolean add(long prefix, long counter, long millis, long now) {
    if (now >= nextSweep || runs > maxRuns) {
      sweep(now);
    }
    Sender s = senders.get(prefix);
    if (s == null) {
      senders.put(prefix, new Sender(new Run(counter, millis)));
      runs++;
      return true;
    }
    Run n = s.newest;
    if (counter == n.last + 1 && counter != Long.MIN_VALUE) { // the usual case: the next one
      n.last = counter;
      n.millis = Math.max(n.millis, millis);
      return true;
    }
    if (counter > n.last) { // a gap after the newest run
      Run r = new Run(counter, millis);
      s.byFirst.put(counter, r);
      s.newest = r;
      runs++;
      return true;
    }
    return addBefore(s, counter, millis);
  }

  /** A counter not above the newest run's last: inside a run (a replay), or in a gap. */
  private boolean addBefore(Sender s, long counter, long millis) {
    Map.Entry<Long, Run> below = s.byFirst.floorEntry(counter);
    @Nullable Run before = below == null ? null : below.getValue();
    if (before != null && counter <= before.last) {
      return false; // taken before
    }
    Map.Entry<Long, Run> above = s.byFirst.higherEntry(counter);
    @Nullable Run after = above == null ? null : above.getValue();
    boolean joinsBefore = before != null && before.last == counter - 1;
    boolean joinsAfter = after != null && after.first == counter + 1;
    if (before != null && joinsBefore) {
      before.last = counter;
      before.millis = Math.max(before.millis, millis);
      if (after != null && joinsAfter) { // it filled the gap between two runs: one run
        before.last = after.last;
        before.millis = Math.max(before.millis, after.millis);
        s.byFirst.remove(after.first);
        if (s.newest == after) {
          s.newest = before;
        }
        runs--;
      }
    } else if (after != null && joinsAfter) {
      s.byFirst.remove(after.first);
      after.first = counter;
      after.millis = Math.max(after.millis, millis);
      s.byFirst.put(counter, after);
    } else {
      s.byFirst.put(counter, new Run(counter, millis));
      runs++;
    }
    return true;
  }

  /** Drops the runs whose newest message is past the maximum age; then the oldest, over the cap. */
  private void sweep(long now) {
    nextSweep = now + sweepEveryMillis;
    long oldest = now - maxAgeMillis;
    for (Iterator<Sender> i = senders.values().iterator(); i.hasNext(); ) {
      Sender s = i.next();
      s.byFirst.values().removeIf(r -> r.millis < oldest && count(-1));
      if (s.byFirst.isEmpty()) {
        i.remove();
      } else {
        s.newest = s.byFirst.lastEntry().getValue();
      }
    }
    if (runs <= maxRuns) {
      return;
    }
    List<Long> stamps = new ArrayList<>(runs);
    for (Sender s : senders.values()) {
      for (Run r : s.byFirst.values()) {
        stamps.add(r.millis);
      }
    }
    stamps.sort(null);
    int drop = runs - maxRuns * 3 / 4; // keep the newest three quarters of the cap
    long cut = stamps.get(drop - 1); // drop every run older than this, and enough of this age
    int[] sameAge = {drop - (int) stamps.stream().filter(m -> m < cut).count()};
    for (Iterator<Sender> i = senders.values().iterator(); i.hasNext(); ) {
      Sender s = i.next();
      s.byFirst
          .values()
          .removeIf(r -> (r.millis < cut || (r.millis == cut && sameAge[0]-- > 0)) && count(-1));
      if (s.byFirst.isEmpty()) {
        i.remove();
      } else {
        s.newest = s.byFirst.lastEntry().getValue();
      }
    }
  }

  /** Adds to the run count; returns true (for use inside a removal predicate). */
  private boolean count(int delta) {
    runs += delta;
    return true;
  }
}
