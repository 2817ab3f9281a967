package org.multiprocessing4j.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.multiprocessing4j.ShmCleanup;
import org.multiprocessing4j.internal.shm.SegmentOwner;
import org.multiprocessing4j.internal.shm.SharedSegment;
import org.multiprocessing4j.internal.sync.Waiting;

/**
 * Memory-ordering stress of the ring's publication, in the manner of jcstress litmus tests but run
 * as plain tests: the record bytes are written with plain stores and published by the release store
 * of TAIL; a consumer that sees the new TAIL (acquire) must see every byte of the record, and a
 * producer that sees a HEAD must not overwrite bytes the consumer is still copying. The forbidden
 * outcome is a record whose bytes are not all its sequence number. Records of 1 to 100 bytes in a 1
 * KiB ring wrap around (with padding records) every few dozen records. Threads of one JVM stand for
 * processes: the accesses are the same instructions on the same mapped file; {@code
 * RingAcrossProcessesTest} checks checksummed records between JVMs.
 */
@ExtendWith(ShmCleanup.class)
class RingPublicationStressTest {

  static final int RECORDS = 500_000;

  private final SegmentOwner owner = SegmentOwner.open();

  @AfterEach
  void close() {
    owner.close();
  }

  /** Forbidden: a record seen with some bytes not yet written, or already overwritten. */
  @Test
  void publication_recordsSeenByConsumer_areNeverTorn() throws Exception {
    SharedSegment s = owner.create("r", RingLayout.segmentSize(1024));
    MpmcRingBuffer ring = MpmcRingBuffer.create(s, 1024, 0, 0);
    try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
      Future<?> producer =
          ex.submit(
              () -> {
                for (int i = 0; i < RECORDS; i++) {
                  byte[] b = new byte[1 + i % 100];
                  Arrays.fill(b, (byte) i);
                  if (!ring.offer(0, MemorySegment.ofArray(b), Waiting.FOREVER, true)) {
                    throw new AssertionError("offer failed at " + i);
                  }
                }
                return null;
              });
      Future<Long> consumer =
          ex.submit(
              () -> {
                long torn = 0;
                for (int i = 0; i < RECORDS; i++) {
                  MpmcRingBufferTest.Rec rec =
                      ring.poll(MpmcRingBufferTest.READER, Waiting.FOREVER, true);
                  if (rec == null || rec.bytes().length != 1 + i % 100) {
                    throw new AssertionError("record " + i + " missing or of the wrong length");
                  }
                  for (byte x : rec.bytes()) {
                    if (x != (byte) i) {
                      torn++;
                      break;
                    }
                  }
                }
                return torn;
              });
      producer.get(5, TimeUnit.MINUTES);
      assertThat(consumer.get(5, TimeUnit.MINUTES)).as("torn records").isZero();
    }
    assertThat(ring.isEmpty()).isTrue();
  }
}
