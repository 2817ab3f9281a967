package org.multiprocessing4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.multiprocessing4j.internal.ring.MpmcRingBuffer;
import org.multiprocessing4j.internal.ring.RingLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * The {@link MpmcRingBuffer}'s publication of a record: the producer writes the record's bytes with
 * plain stores and publishes them by the release store of the record's 8-byte header; a consumer
 * that sees the header (acquire) must see every byte, never a record not yet written (the
 * publication hole). A consumer that finds nothing is fine: the producer has not published yet.
 */
public final class RingPublicationTests {

  private RingPublicationTests() {}

  private static final long CAPACITY = RingLayout.MIN_CAPACITY;
  private static final SharedSlices SLICES = new SharedSlices(RingLayout.segmentSize(CAPACITY));

  /** Payload bytes: spans several 8-byte words, so a partly written record is seen as such. */
  private static final int LENGTH = 40;

  static final int EMPTY = 0;
  static final int WHOLE = 1;
  static final int TORN = 2;

  /** Reads a record, and grades it: its type and every byte must be {@code type}. */
  private static final MpmcRingBuffer.RecordReader<Integer> GRADER =
      (type, m, offset, length) -> {
        if (length != LENGTH) {
          return TORN;
        }
        for (long i = 0; i < length; i++) {
          if (m.get(ValueLayout.JAVA_BYTE, offset + i) != (byte) type) {
            return TORN;
          }
        }
        return WHOLE;
      };

  /** One empty ring in shared memory. */
  abstract static class RingState {
    final MpmcRingBuffer ring = MpmcRingBuffer.create(SLICES.nextSegment(), CAPACITY, 0, 0);

    final void offer(int type) {
      byte[] b = new byte[LENGTH];
      Arrays.fill(b, (byte) type);
      try {
        if (!ring.offer(type, MemorySegment.ofArray(b), 0, false)) {
          throw new AssertionError("an empty ring refused a record");
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    final int poll() {
      try {
        Integer grade = ring.poll(GRADER, 0, false);
        return grade == null ? EMPTY : grade;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** One producer offers one record while one consumer polls once. */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "nothing published yet")
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "the record, whole")
  @Outcome(id = "2", expect = FORBIDDEN, desc = "torn: a record seen before all its bytes")
  @State
  public static class OneRecord extends RingState {
    @Actor
    public void producer() {
      offer(7);
    }

    @Actor
    public void consumer(I_Result r) {
      r.r1 = poll();
    }
  }

  /**
   * A producer offers two records, one after the other, while a consumer polls twice: it sees a
   * prefix of what was published, each record whole, in order; never the second record without the
   * first.
   */
  @JCStressTest
  @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "nothing published yet")
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the first record, whole")
  @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "both records, whole, in order")
  @Outcome(expect = FORBIDDEN, desc = "torn, reordered, duplicated or lost: a record seen wrong")
  @State
  public static class TwoRecordsInOrder extends RingState {
    private static final MpmcRingBuffer.RecordReader<Integer> TYPE =
        (type, m, offset, length) -> GRADER.read(type, m, offset, length) == WHOLE ? type : -1;

    @Actor
    public void producer() {
      offer(1);
      offer(2);
    }

    @Actor
    public void consumer(II_Result r) {
      try {
        Integer a = ring.poll(TYPE, 0, false);
        Integer b = a == null ? null : ring.poll(TYPE, 0, false);
        r.r1 = a == null ? 0 : a;
        r.r2 = b == null ? 0 : b;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /**
   * A record that does not fit before the end of the ring is written at its start, behind a PADDING
   * record whose header's release store publishes both; the start still holds an older record of
   * another type. A consumer sees nothing, or the new record whole: never the old one (a header at
   * the start read before the new one) nor a torn one.
   */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "nothing published yet")
  @Outcome(id = "7", expect = ACCEPTABLE, desc = "the record behind the padding, whole")
  @Outcome(expect = FORBIDDEN, desc = "the stale record at the start, or a torn one")
  @State
  public static class BehindPadding extends RingState {
    private static final int STALE = 99;

    private static final MpmcRingBuffer.RecordReader<Integer> TYPE =
        (type, m, offset, length) -> GRADER.read(type, m, offset, length) == WHOLE ? type : -1;

    /** Puts and takes records of the stale type until the next one must wrap. */
    public BehindPadding() {
      long record = RingLayout.recordLength(LENGTH);
      for (long at = 0; at + record <= CAPACITY; at += record) {
        offer(STALE);
        if (poll() != WHOLE) {
          throw new AssertionError("a record put before the test came back wrong");
        }
      }
    }

    @Actor
    public void producer() {
      offer(7);
    }

    @Actor
    public void consumer(I_Result r) {
      try {
        Integer type = ring.poll(TYPE, 0, false);
        r.r1 = type == null ? 0 : type;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
