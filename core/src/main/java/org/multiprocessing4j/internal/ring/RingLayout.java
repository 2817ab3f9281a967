package org.multiprocessing4j.internal.ring;

/**
 * Byte layout of an {@link MpmcRingBuffer} segment: offsets and lengths of its header fields and of
 * a record. Every field lives in shared memory; each group of fields written by one side has its
 * own 128-byte line (two cache lines, against the adjacent-line prefetcher), so producers and
 * consumers do not invalidate each other's lines except where they must read the other side.
 *
 * <pre>
 *      0 ┌─ config: written once by the creator, before its name is shared ───────────────────┐
 *        │ int MAGIC │ int VERSION │ long CAPACITY │ long MAX_ITEMS │ long OVERFLOW_BUDGET      │
 *        │ long MAX_INLINE                                                                     │
 *    128 ├─ put lock (BiasedLock: a RobustLock, then its bias words) ─────────────────────────┤
 *    256 ├─ producers: long TAIL │ long PUT_COUNT │ long OVERFLOW_IN                          │
 *        │             journal: long J_TAIL │ long J_PUT_COUNT │ long J_OVERFLOW_IN           │
 *    384 ├─ take lock ────────────────────────────────────────────────────────────────────────┤
 *    512 ├─ consumers: long HEAD │ long TAKE_COUNT │ long OVERFLOW_OUT                        │
 *        │             journal: long J_HEAD │ long J_TAKE_COUNT │ long J_OVERFLOW_OUT         │
 *    640 ├─ int NOT_EMPTY event count (consumers wait, producers signal) ─────────────────────┤
 *    768 ├─ int NOT_FULL event count (producers wait, consumers signal) ──────────────────────┤
 *    896 ├─ long OVERFLOW_SEQUENCE │ long TASKS_DONE │ int ALL_TASKS_DONE event count         │
 *   1024 ├─ data: CAPACITY bytes (a power of two) of records, 8-byte aligned ─────────────────┤
 *        └────────────────────────────────────────────────────────────────────────────────────┘
 *
 *   record:  0 ┌ int length  (payload bytes; for PADDING, bytes to skip from the header) ┐
 *            4 │ int ~type   (type ≥ 0: the codec's tag; PADDING; OVERFLOW)             │
 *            8 │ payload, then whatever was there up to the next multiple of 8           │
 *              └──────────────────────────────────────────────────────────────────────────┘
 *   The 8-byte header is written last, with one release store: it publishes the record. A header
 *   word of 0 is no record (yet): the type is stored inverted, so no published header is 0 (a
 *   null item has type 0 and length 0; a PADDING record's length is at least 8). The word after
 *   the last published record is always 0.
 *
 *   OVERFLOW payload:  int type │ int 0 │ long length │ UTF-8 name of the file holding the item
 * </pre>
 *
 * Positions (TAIL, HEAD) count bytes since creation and never wrap; a record starts at {@code
 * position & (CAPACITY - 1)}. Counts (PUT_COUNT, TAKE_COUNT, TASKS_DONE) count items since
 * creation. OVERFLOW_IN and OVERFLOW_OUT count bytes of overflow files committed and consumed.
 */
public final class RingLayout {

  /** "MP4R" in ASCII. */
  public static final int MAGIC_VALUE = 0x4d503452;

  /** Bumped on any change of this layout or of its protocol. */
  public static final int VERSION_VALUE = 3;

  /** One group of fields: two 64-byte cache lines. */
  public static final int LINE = 128;

  public static final long MAGIC = 0;
  public static final long VERSION = 4;
  public static final long CAPACITY = 8;
  public static final long MAX_ITEMS = 16;
  public static final long OVERFLOW_BUDGET = 24;
  public static final long MAX_INLINE = 32;

  public static final long PUT_LOCK = LINE;

  public static final long TAIL = 2L * LINE;
  public static final long PUT_COUNT = TAIL + 8;
  public static final long OVERFLOW_IN = TAIL + 16;
  public static final long J_TAIL = TAIL + 24;
  public static final long J_PUT_COUNT = TAIL + 32;
  public static final long J_OVERFLOW_IN = TAIL + 40;

  public static final long TAKE_LOCK = 3L * LINE;

  public static final long HEAD = 4L * LINE;
  public static final long TAKE_COUNT = HEAD + 8;
  public static final long OVERFLOW_OUT = HEAD + 16;
  public static final long J_HEAD = HEAD + 24;
  public static final long J_TAKE_COUNT = HEAD + 32;
  public static final long J_OVERFLOW_OUT = HEAD + 40;

  public static final long NOT_EMPTY = 5L * LINE;
  public static final long NOT_FULL = 6L * LINE;

  public static final long OVERFLOW_SEQUENCE = 7L * LINE;
  public static final long TASKS_DONE = OVERFLOW_SEQUENCE + 8;
  public static final long ALL_TASKS_DONE = OVERFLOW_SEQUENCE + 16;

  /** Where records start. */
  public static final long HEADER_LENGTH = 8L * LINE;

  /** Bytes of a record header. */
  public static final int RECORD_HEADER = 8;

  /** Records are aligned to this. */
  public static final int ALIGNMENT = 8;

  /** Record type: skip to the end of the data area (the next record starts at index 0). */
  public static final int PADDING = -1;

  /** Record type: the payload names a file holding an item too large to copy inline. */
  public static final int OVERFLOW = -2;

  /** Bytes of an OVERFLOW payload before the file name. */
  public static final int OVERFLOW_REF_HEADER = 16;

  /** The smallest data area. */
  public static final long MIN_CAPACITY = 1024;

  /** The largest data area (positions and lengths stay far from overflow). */
  public static final long MAX_CAPACITY = 1L << 30;

  private RingLayout() {}

  /** Returns the bytes a record with {@code payload} bytes takes, header and padding included. */
  public static long recordLength(long payload) {
    return (RECORD_HEADER + payload + ALIGNMENT - 1) & -ALIGNMENT;
  }

  private static final boolean LITTLE_ENDIAN =
      java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

  /**
   * Returns a record header (int length at +0, int ~type at +4, in native order) as the one long
   * that a single 8-byte store writes: one access to shared memory instead of two, and never 0.
   */
  public static long header(int length, int type) {
    int stored = ~type;
    return LITTLE_ENDIAN
        ? ((long) stored << 32) | (length & 0xffff_ffffL)
        : ((long) length << 32) | (stored & 0xffff_ffffL);
  }

  /** Returns the length field of a header read as one long (see {@link #header}). */
  public static int headerLength(long header) {
    return LITTLE_ENDIAN ? (int) header : (int) (header >>> 32);
  }

  /** Returns the type field of a header read as one long (see {@link #header}). */
  public static int headerType(long header) {
    return ~(LITTLE_ENDIAN ? (int) (header >>> 32) : (int) header);
  }

  /** Returns the size of a segment holding a ring of {@code capacity} data bytes. */
  public static long segmentSize(long capacity) {
    return HEADER_LENGTH + capacity;
  }

  /**
   * Checks a ring's data capacity.
   *
   * @throws IllegalArgumentException if it is not a power of two in [{@link #MIN_CAPACITY}, {@link
   *     #MAX_CAPACITY}]
   */
  public static void checkCapacity(long capacity) {
    if (Long.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be a power of two from "
              + MIN_CAPACITY
              + " to "
              + MAX_CAPACITY
              + " bytes: "
              + capacity);
    }
  }
}
