package org.multiprocessing4j.bench;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.MultiprocessingContext;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessQueue;

/**
 * The practical limit of a queue between two JVMs: a raw Agrona {@link OneToOneRingBuffer} over a
 * file in {@code /dev/shm}, a producer JVM writing fixed-size messages and this JVM reading them,
 * both sides spinning (no blocking, no encoding, no locks, no robustness to a dead peer). The ring
 * has the data size of a {@code ProcessQueue}'s default ring, 1 MiB.
 */
final class AgronaRing {

  static final int RING_BYTES = 1 << 20;

  /** What Agrona 2 needs on the command line of both JVMs (it uses the JDK's internal Unsafe). */
  static final String ADD_EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  private AgronaRing() {}

  /** One round's job for the producer: {@code n} messages of {@code length} bytes; 0 ends it. */
  record Job(int n, int length) implements java.io.Serializable {}

  /** Runs in the producer JVM: maps the ring, serves jobs until a job of 0 messages. */
  static void produce(String file, ProcessQueue<Job> jobs, ProcessQueue<String> ready)
      throws InterruptedException {
    MappedByteBuffer mapped = IoUtil.mapExistingFile(new File(file), "agrona ring");
    try {
      OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
      UnsafeBuffer message = new UnsafeBuffer(new byte[64 * 1024]);
      while (true) {
        ready.put("ready");
        Job job = jobs.get();
        if (job.n() == 0) {
          return;
        }
        for (int i = 0; i < job.n(); i++) {
          message.putInt(0, i);
          while (!ring.write(1, message, 0, job.length())) {
            Thread.onSpinWait(); // full: the reader spins too
          }
        }
      }
    } finally {
      IoUtil.unmap(mapped);
    }
  }

  /** A producer JVM and the mapped ring, kept for every round. */
  static final class Rig {
    private final Path file;
    private final MappedByteBuffer mapped;
    private final OneToOneRingBuffer ring;
    private final ProcessQueue<Job> jobs;
    private final ProcessQueue<String> ready;
    private final JvmProcess producer;
    private long read;

    Rig(MultiprocessingContext ctx) throws java.io.IOException {
      if (!Object.class.getModule().isExported("jdk.internal.misc", Rig.class.getModule())) {
        throw new IllegalStateException(
            "the Agrona peer needs " + ADD_EXPORTS + " on this JVM's command line");
      }
      file = Files.createTempFile(Path.of("/dev/shm"), "mp4j-bench-agrona-", ".ring");
      Files.delete(file); // mapNewFile creates it
      mapped = IoUtil.mapNewFile(file.toFile(), RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH);
      ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
      jobs = ctx.queue();
      ready = ctx.queue();
      String f = file.toString();
      ProcessQueue<Job> j = jobs;
      ProcessQueue<String> r = ready;
      producer =
          new JvmProcess(() -> produce(f, j, r))
              .setOptions(ProcessOptions.builder().jvmOptions(ADD_EXPORTS).build())
              .start();
    }

    /** One round of {@code n} messages of {@code length} bytes; messages per second. */
    double round(int n, int length) throws InterruptedException {
      ready.get();
      read = 0;
      long start = System.nanoTime();
      jobs.put(new Job(n, length));
      while (read < n) {
        if (ring.read((type, buffer, index, len) -> read++) == 0) {
          Thread.onSpinWait();
        }
      }
      return n / ((System.nanoTime() - start) / 1e9);
    }

    /** Ends the producer, unmaps and removes the ring. */
    void stop() throws InterruptedException, java.io.IOException {
      try {
        ready.get();
        jobs.put(new Job(0, 0));
        producer.join();
      } finally {
        IoUtil.unmap(mapped);
        Files.deleteIfExists(file);
      }
    }
  }
}
