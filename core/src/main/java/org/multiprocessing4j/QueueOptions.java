package org.multiprocessing4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How to create a queue: its maximum number of items, the size of its ring, its memory budget and
 * its codec. Immutable; make one with {@link #builder()}, then pass it to {@link
 * MultiprocessingContext#queue(QueueOptions)}, {@link
 * MultiprocessingContext#joinableQueue(QueueOptions)} or {@link
 * MultiprocessingContext#simpleQueue(QueueOptions)}.
 *
 * {@snippet :
 * ProcessQueue<byte[]> frames =
 *     Multiprocessing.local()
 *         .queue(
 *             QueueOptions.builder()
 *                 .maxsize(100)
 *                 .ringBytes(16 << 20)              // 16 MiB ring: frames up to 4 MiB go inline
 *                 .memoryBudgetBytes(64L << 20)     // at most 64 MiB of items held at once
 *                 .build());
 * }
 *
 * <h2>Memory</h2>
 *
 * A queue's items live in shared memory ({@code /dev/shm}): items up to a quarter of the ring go
 * into the ring itself, a file of {@link #ringBytes()} bytes made when the queue is created; larger
 * items each go into a file of their own, made by the put and removed by the get. The memory budget
 * bounds the two together: a put waits (or, with a timeout or nowait, fails as a full queue does)
 * while the ring is full, or while the large items held would exceed {@link #memoryBudgetBytes()}
 * minus the ring. One large item always passes when no other large item is held, so that an item
 * larger than the budget cannot block forever. {@link #maxsize()} bounds the number of items on top
 * of that.
 *
 * <h2>Defaults</h2>
 *
 * A queue created without options, a {@link #builder()} and {@link #defaults()} all start from the
 * same values: a ring of {@link #DEFAULT_RING_BYTES}, and a budget of the ring plus {@link
 * #DEFAULT_LARGE_ITEM_BYTES} for large items. The system properties {@value #RING_BYTES_PROPERTY}
 * and {@value #LARGE_ITEM_BYTES_PROPERTY} replace these two numbers for the whole JVM; they are
 * read when a builder (or the defaults) is made, and checked like the builder's arguments, naming
 * the property. The pipes' rings take their large-item allowance from the same property.
 */
public final class QueueOptions {

  /** The smallest ring: 1 KiB. */
  public static final long MIN_RING_BYTES = 1024;

  /** The largest ring: 1 GiB. */
  public static final long MAX_RING_BYTES = 1L << 30;

  /** The ring size of {@link #defaults()} when {@value #RING_BYTES_PROPERTY} is not set: 1 MiB. */
  public static final long DEFAULT_RING_BYTES = 1L << 20;

  /**
   * What a default memory budget allows beyond the ring, for large items, when {@value
   * #LARGE_ITEM_BYTES_PROPERTY} is not set: 256 MiB.
   */
  public static final long DEFAULT_LARGE_ITEM_BYTES = 256L << 20;

  /**
   * The memory budget of {@link #defaults()} when no property is set: 257 MiB (the ring and 256 MiB
   * of large items).
   */
  public static final long DEFAULT_MEMORY_BUDGET_BYTES =
      DEFAULT_RING_BYTES + DEFAULT_LARGE_ITEM_BYTES;

  /** The system property that replaces {@link #DEFAULT_RING_BYTES}. */
  public static final String RING_BYTES_PROPERTY = "mp4j.queue.ringBytes";

  /**
   * The system property that replaces {@link #DEFAULT_LARGE_ITEM_BYTES}: bytes, or {@code
   * unlimited}.
   */
  public static final String LARGE_ITEM_BYTES_PROPERTY = "mp4j.queue.largeItemBytes";

  /** A memory budget without a limit. */
  public static final long UNLIMITED = Long.MAX_VALUE;

  private final int maxsize;
  private final long ringBytes;
  private final long memoryBudgetBytes;
  private final @Nullable Codec<?> codec;

  private QueueOptions(Builder b, long memoryBudgetBytes) {
    this.maxsize = b.maxsize;
    this.ringBytes = b.ringBytes;
    this.memoryBudgetBytes = memoryBudgetBytes;
    this.codec = b.codec;
  }

  /**
   * Returns the options of a queue created without options: no maximum number of items, a 1 MiB
   * ring, a 257 MiB memory budget and the built-in codec, unless the system properties say
   * otherwise (see Defaults in {@link QueueOptions}).
   *
   * @return the default options
   * @throws IllegalArgumentException if {@value #RING_BYTES_PROPERTY} or {@value
   *     #LARGE_ITEM_BYTES_PROPERTY} is set to a value the builder would refuse, naming the property
   */
  public static QueueOptions defaults() {
    return new Builder().build();
  }

  /**
   * Returns a builder that starts from {@link #defaults()}.
   *
   * @return a new builder
   * @throws IllegalArgumentException if a system property of the defaults is set to a value the
   *     builder would refuse, naming the property
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the most items the queue holds at once, or 0 for no limit (Python's {@code maxsize}).
   *
   * @return the maximum number of items, or 0
   */
  public int maxsize() {
    return maxsize;
  }

  /**
   * Returns the size of the queue's ring in bytes.
   *
   * @return a power of two from {@link #MIN_RING_BYTES} to {@link #MAX_RING_BYTES}
   */
  public long ringBytes() {
    return ringBytes;
  }

  /**
   * Returns the most bytes of shared memory the queue's items hold at once, ring included, or
   * {@link #UNLIMITED}.
   *
   * @return the budget, at least {@link #ringBytes()}
   */
  public long memoryBudgetBytes() {
    return memoryBudgetBytes;
  }

  /**
   * Returns the codec items are encoded with, if not the built-in one.
   *
   * @return the codec, or empty for the built-in encoding
   */
  public Optional<Codec<?>> codec() {
    return Optional.ofNullable(codec);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof QueueOptions q
        && q.maxsize == maxsize
        && q.ringBytes == ringBytes
        && q.memoryBudgetBytes == memoryBudgetBytes
        && Objects.equals(q.codec, codec);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxsize, ringBytes, memoryBudgetBytes, codec);
  }

  @Override
  public String toString() {
    return "QueueOptions[maxsize="
        + maxsize
        + ", ringBytes="
        + ringBytes
        + ", memoryBudgetBytes="
        + (memoryBudgetBytes == UNLIMITED ? "unlimited" : memoryBudgetBytes)
        + ", codec="
        + (codec == null ? "built-in" : codec.getClass().getName())
        + "]";
  }

  /** Builds {@link QueueOptions}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private int maxsize;
    private long ringBytes;
    private boolean ringSet;
    private long memoryBudgetBytes; // 0: not set, the ring and largeItemBytes
    private final long largeItemBytes;
    private @Nullable Codec<?> codec;

    private Builder() {
      String ring = System.getProperty(RING_BYTES_PROPERTY);
      try {
        ringBytes(ring == null ? DEFAULT_RING_BYTES : Long.parseLong(ring.strip()));
      } catch (IllegalArgumentException e) { // NumberFormatException too
        throw new IllegalArgumentException(
            "system property " + RING_BYTES_PROPERTY + "=" + ring + ": " + e.getMessage(), e);
      }
      ringSet = false;
      largeItemBytes = largeItemBytes();
    }

    private static long largeItemBytes() {
      if (System.getProperty("mp4j.queue.overflowBudgetBytes") != null) {
        throw new IllegalArgumentException(
            "system property mp4j.queue.overflowBudgetBytes is no longer read: set "
                + LARGE_ITEM_BYTES_PROPERTY
                + " instead (bytes of large items a queue may hold at once, or \"unlimited\")");
      }
      String v = System.getProperty(LARGE_ITEM_BYTES_PROPERTY);
      if (v == null) {
        return DEFAULT_LARGE_ITEM_BYTES;
      }
      if (v.strip().equalsIgnoreCase("unlimited")) {
        return UNLIMITED;
      }
      long bytes;
      try {
        bytes = Long.parseLong(v.strip());
      } catch (NumberFormatException e) {
        bytes = -1;
      }
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "system property "
                + LARGE_ITEM_BYTES_PROPERTY
                + "="
                + v
                + ": must be a number of bytes, 0 or more, or \"unlimited\"");
      }
      return bytes;
    }

    /**
     * Sets the most items the queue holds at once (Python's {@code maxsize}); 0, the default, for
     * no limit but the memory budget.
     *
     * @param maxsize 0 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxsize} is negative
     */
    public Builder maxsize(int maxsize) {
      if (maxsize < 0) {
        throw new IllegalArgumentException("maxsize must be 0 (no limit) or more, got " + maxsize);
      }
      this.maxsize = maxsize;
      return this;
    }

    /**
     * Sets the size of the queue's ring: the shared memory made when the queue is created, holding
     * items of up to a quarter of it. A larger ring lets more small items wait in the queue and
     * copies larger items inline; a smaller one saves memory. The default is 1 MiB.
     *
     * @param ringBytes a power of two from {@link #MIN_RING_BYTES} (1 KiB) to {@link
     *     #MAX_RING_BYTES} (1 GiB)
     * @return this builder
     * @throws IllegalArgumentException if {@code ringBytes} is not a power of two in that range, or
     *     is larger than a memory budget set on this builder
     */
    public Builder ringBytes(long ringBytes) {
      if (Long.bitCount(ringBytes) != 1
          || ringBytes < MIN_RING_BYTES
          || ringBytes > MAX_RING_BYTES) {
        long up =
            ringBytes <= MIN_RING_BYTES ? MIN_RING_BYTES : Long.highestOneBit(ringBytes - 1) << 1;
        throw new IllegalArgumentException(
            "ringBytes must be a power of two from "
                + MIN_RING_BYTES
                + " (1 KiB) to "
                + MAX_RING_BYTES
                + " (1 GiB), got "
                + ringBytes
                + (up <= MAX_RING_BYTES ? "; the next allowed size is " + up : ""));
      }
      if (memoryBudgetBytes != 0 && memoryBudgetBytes < ringBytes) {
        throw budgetBelowRing(memoryBudgetBytes, ringBytes);
      }
      this.ringBytes = ringBytes;
      this.ringSet = true;
      return this;
    }

    /**
     * Sets the most bytes of shared memory the queue's items hold at once, the ring included (see
     * Memory in {@link QueueOptions}). The default is the ring and 256 MiB.
     *
     * @param memoryBudgetBytes at least the ring's size, or {@link #UNLIMITED}
     * @return this builder
     * @throws IllegalArgumentException if {@code memoryBudgetBytes} is not positive, or is smaller
     *     than a ring size set on this builder (a budget below the default ring is reported by
     *     {@link #build()}, since a smaller ring may still be set)
     */
    public Builder memoryBudgetBytes(long memoryBudgetBytes) {
      if (memoryBudgetBytes <= 0) {
        throw new IllegalArgumentException(
            "memoryBudgetBytes must be positive (at least the ring's size, or"
                + " QueueOptions.UNLIMITED), got "
                + memoryBudgetBytes);
      }
      if (ringSet && memoryBudgetBytes < ringBytes) {
        throw budgetBelowRing(memoryBudgetBytes, ringBytes);
      }
      this.memoryBudgetBytes = memoryBudgetBytes;
      return this;
    }

    private static IllegalArgumentException budgetBelowRing(long budget, long ring) {
      return new IllegalArgumentException(
          "memoryBudgetBytes ("
              + budget
              + ") must be at least ringBytes ("
              + ring
              + "): the ring is made when the queue is created. Lower ringBytes or raise the"
              + " budget.");
    }

    /**
     * Sets the codec items are encoded with (see {@link Codec}); the built-in encoding by default.
     *
     * @param codec the codec; it travels to other processes with the queue
     * @return this builder
     * @throws UnserializableValueException if the codec cannot be serialized, so could not travel
     *     with the queue
     */
    public Builder codec(Codec<?> codec) {
      Objects.requireNonNull(codec, "codec");
      try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
        out.writeObject(codec);
      } catch (IOException | RuntimeException e) {
        throw new UnserializableValueException(
            "the codec "
                + codec.getClass().getName()
                + " cannot be serialized, so it cannot travel with its queue to other processes: "
                + e
                + ". Make its fields serializable (a codec should hold only configuration).",
            codec.getClass().getName(),
            e);
      }
      this.codec = codec;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if the memory budget is smaller than the ring (if only the
     *     ring was set, the default budget grows to hold the ring and the large-item allowance)
     */
    public QueueOptions build() {
      long budget = memoryBudgetBytes;
      if (budget == 0) {
        budget = largeItemBytes > UNLIMITED - ringBytes ? UNLIMITED : ringBytes + largeItemBytes;
      }
      if (budget < ringBytes) {
        throw budgetBelowRing(budget, ringBytes);
      }
      return new QueueOptions(this, budget);
    }
  }
}
