package org.multiprocessing4j.rabbitmq.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Signs message bodies and checks them before anything in them is decoded.
 *
 * <pre>
 *  offset  length
 *  0       4      magic "MP4J"
 *  4       1      version (1)
 *  5       1      codec tag of the payload (see {@link Codec})
 *  6       8      sender's clock, epoch milliseconds, big-endian
 *  14      16     nonce: 8 random bytes per sender, then a counter (8 bytes)
 *  30      4      payload length n, big-endian
 *  34      n      payload
 *  34+n    32     HMAC-SHA256(key, queue name UTF-8 || 0x00 || bytes 0 .. 34+n)
 * </pre>
 *
 * The queue name is inside the MAC, so a message copied into another queue is rejected. A message
 * older than the maximum age, or more than {@link #MAX_CLOCK_SKEW_MILLIS} in the future, is
 * rejected; so is a nonce this context already accepted within the maximum age (a replay), unless
 * this context itself gave that message back to the broker ({@link ReplayGuard}: the broker's
 * {@code redelivered} flag alone proves nothing). The nonce is recorded when a message is accepted
 * for a taker, not when it is merely delivered, so an item handed back to the broker unread (a
 * consumer's get timed out) is not mistaken for a replay.
 *
 * <p>A nonce is 8 random bytes drawn once per envelope (per context) followed by a counter: what
 * replay detection needs is that no two messages share one, not that it cannot be guessed (the MAC
 * covers it; without the key no one can sign a message with any nonce). Drawing 16 bytes from
 * {@link SecureRandom} per message instead cost a read of {@code /dev/urandom} under a global lock
 * ({@code NativePRNG}) on every publish: 3 of 52 JFR samples of the thread that answers a node's
 * tasks in {@code RabbitPoolBench} (2026-11-28); a gain too small to show in the bench's runs.
 */
final class Envelope {

  static final int HEADER_LENGTH = 34;
  static final int MAC_LENGTH = 32;
  static final long MAX_CLOCK_SKEW_MILLIS = 5 * 60_000L;
  private static final byte[] MAGIC = {'M', 'P', '4', 'J'};
  private static final byte VERSION = 1;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final long maxAgeMillis;
  private final byte[] noncePrefix = new byte[8];
  private final AtomicLong nonceCount = new AtomicLong();

  /**
   * A MAC keyed once per thread: {@code Mac.getInstance} and {@code init} cost more than signing a
   * small message, and a {@code Mac} is not thread-safe. {@code doFinal} resets it for the next
   * use.
   */
  private final ThreadLocal<Signer> signers;

  /** A thread's MAC, a buffer for a computed MAC, and the last queue name's bytes. */
  private static final class Signer {
    final Mac mac;
    final byte[] computed = new byte[MAC_LENGTH];
    String queue = "";
    byte[] queueBytes = new byte[0];

    Signer(Mac mac) {
      this.mac = mac;
    }

    /** Computes the MAC of a queue name and {@code length} bytes of a body into {@code out}. */
    void mac(String queue, byte[] body, int length, byte[] out, int outOffset) {
      if (!queue.equals(this.queue)) { // a thread mostly signs for one queue: encode it once
        this.queueBytes = queue.getBytes(StandardCharsets.UTF_8);
        this.queue = queue;
      }
      mac.update(queueBytes);
      mac.update((byte) 0);
      mac.update(body, 0, length);
      try {
        mac.doFinal(out, outOffset);
      } catch (javax.crypto.ShortBufferException e) {
        throw new IllegalStateException(e); // the room is always there
      }
    }
  }

  /** The nonces taken, and the messages given back. */
  private final ReplayGuard replays;

  /** A message's nonce: its sender's random prefix and its counter, as two big-endian longs. */
  record Nonce(long prefix, long counter) {}

  Envelope(byte[] key, long maxAgeMillis) {
    SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
    this.maxAgeMillis = maxAgeMillis;
    this.replays = new ReplayGuard(maxAgeMillis);
    RANDOM.nextBytes(noncePrefix);
    this.signers =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(spec);
                return new Signer(mac);
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
              }
            });
  }

  /**
   * A checked message: its codec tag, and its payload as {@code length} bytes of {@code body} from
   * {@code offset} (the received body itself, not a copy: read it, never write it).
   */
  @SuppressWarnings("ArrayRecordComponent") // never compared; bytes read only
  record Opened(int tag, byte[] body, int offset, int length, Nonce nonce, long millis) {
    /** Returns a copy of the payload. */
    byte[] payload() {
      return Arrays.copyOfRange(body, offset, offset + length);
    }

    /** Returns the payload as a read-only buffer positioned at its start. */
    ByteBuffer payloadBuffer() {
      return ByteBuffer.wrap(body, offset, length).slice().asReadOnlyBuffer();
    }
  }

  /** Writes a payload of a length known beforehand into a buffer positioned at its start. */
  @FunctionalInterface
  interface Payload {
    void writeTo(ByteBuffer b);
  }

  /** Why a message was rejected; the message says what was wrong for the log. */
  static class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A message whose signature checks but that is older than the maximum age: genuine, but possibly
   * a replay, so it must not be acted on. Its contents are given for a reply that says so (a pool
   * tells the task's submitter instead of leaving it waiting).
   */
  static final class Expired extends Rejected {
    private static final long serialVersionUID = 1L;
    private final transient Opened opened;

    Expired(String message, Opened opened) {
      super(message);
      this.opened = opened;
    }

    Opened opened() {
      return opened;
    }
  }

  byte[] seal(String queue, int tag, byte[] payload) {
    return sealAt(queue, tag, payload.length, b -> b.put(payload), System.currentTimeMillis());
  }

  /**
   * Seals a payload of {@code length} bytes that {@code payload} writes straight into the message
   * (no payload array of its own, no copy of it).
   */
  byte[] seal(String queue, int tag, int length, Payload payload) {
    return sealAt(queue, tag, length, payload, System.currentTimeMillis());
  }

  /** Seals with a given timestamp (tests make stale messages with it). */
  byte[] sealAt(String queue, int tag, byte[] payload, long millis) {
    return sealAt(queue, tag, payload.length, b -> b.put(payload), millis);
  }

  private byte[] sealAt(String queue, int tag, int length, Payload payload, long millis) {
    byte[] out = new byte[HEADER_LENGTH + length + MAC_LENGTH];
    ByteBuffer b = ByteBuffer.wrap(out, 0, HEADER_LENGTH + length);
    b.put(MAGIC).put(VERSION).put((byte) tag);
    stamp(b, millis);
    b.putInt(length);
    payload.writeTo(b);
    if (b.position() != HEADER_LENGTH + length) {
      throw new IllegalStateException(
          "a payload of " + (b.position() - HEADER_LENGTH) + " bytes, not " + length);
    }
    signers.get().mac(queue, out, HEADER_LENGTH + length, out, HEADER_LENGTH + length);
    return out;
  }

  /** Writes a timestamp and a fresh nonce at the buffer's position (offsets 6 to 30). */
  private void stamp(ByteBuffer b, long millis) {
    b.putLong(millis);
    b.put(noncePrefix).putLong(nonceCount.incrementAndGet());
  }

  /**
   * Returns a copy of a body this envelope sealed for {@code queue}, with a new timestamp and a
   * fresh nonce, signed again: the same payload sent once more (a task tried again), which the
   * replay memory must not take for a replay.
   */
  byte[] reseal(String queue, byte[] sealed) {
    byte[] out = sealed.clone();
    stamp(ByteBuffer.wrap(out, 6, 24), System.currentTimeMillis());
    int signed = out.length - MAC_LENGTH;
    signers.get().mac(queue, out, signed, out, signed);
    return out;
  }

  /**
   * Checks a body without touching the replay memory.
   *
   * @throws Rejected if the body is malformed, its MAC is wrong, or it is too old ({@link Expired})
   *     or too new
   */
  Opened open(String queue, byte @Nullable [] body) throws Rejected {
    if (body == null || body.length < HEADER_LENGTH + MAC_LENGTH) {
      throw new Rejected(
          "too short to be a signed message ("
              + (body == null ? 0 : body.length)
              + " bytes): unsigned or truncated");
    }
    if (!Arrays.equals(body, 0, 4, MAGIC, 0, 4)) {
      throw new Rejected("no MP4J header: not a message of this library (unsigned)");
    }
    if (body[4] != VERSION) {
      throw new Rejected("unknown envelope version " + body[4]);
    }
    ByteBuffer b = ByteBuffer.wrap(body);
    int n = b.getInt(30);
    if (n < 0 || (long) HEADER_LENGTH + n + MAC_LENGTH != body.length) {
      throw new Rejected(
          "payload length "
              + n
              + " does not match the body's "
              + body.length
              + " bytes (truncated)");
    }
    Signer signer = signers.get();
    signer.mac(queue, body, HEADER_LENGTH + n, signer.computed, 0);
    if (!macEquals(signer.computed, body, HEADER_LENGTH + n)) {
      throw new Rejected("bad signature: forged, altered, for another queue, or another key");
    }
    long millis = b.getLong(6);
    long now = System.currentTimeMillis();
    if (millis > now + MAX_CLOCK_SKEW_MILLIS) {
      throw new Rejected("timestamped " + (millis - now) + " ms in the future");
    }
    Opened opened =
        new Opened(
            body[5], body, HEADER_LENGTH, n, new Nonce(b.getLong(14), b.getLong(22)), millis);
    if (millis < now - maxAgeMillis) {
      throw new Expired(
          "older than the maximum age of "
              + maxAgeMillis
              + " ms ("
              + (now - millis)
              + " ms): stale or replayed",
          opened);
    }
    return opened;
  }

  /**
   * Records an opened message as taken by a consumer that does not acknowledge by hand (auto-ack):
   * this context never gives such a message back, so any copy of it is a replay.
   *
   * @throws Rejected if this context already took a message with the same nonce (a replay)
   */
  void accept(Opened m) throws Rejected {
    replays.accept(m.nonce(), m.millis(), null, 0, false);
  }

  /**
   * Records an opened message as taken, and held by {@code holder} until the consumer settles or
   * releases it.
   *
   * @param holder the holder of the channel the message arrived on ({@link #holder})
   * @param tag the message's delivery tag on that channel
   * @param redelivered the broker's redelivered flag: necessary for a nonce seen before to be taken
   *     again, not sufficient (anyone who can read the queue can have the broker set it)
   * @throws Rejected if this context already took a message with the same nonce and did not give it
   *     back to the broker (a replay)
   */
  void accept(Opened m, ReplayGuard.Holder holder, long tag, boolean redelivered) throws Rejected {
    replays.accept(m.nonce(), m.millis(), holder, tag, redelivered);
  }

  /**
   * Returns a holder for the messages a consumer accepts on {@code channel} and acknowledges by
   * hand; it releases them all when the channel shuts down.
   */
  ReplayGuard.Holder holder(com.rabbitmq.client.Channel channel) {
    return replays.holder(channel);
  }

  /**
   * Compares a computed MAC with the one in a body from {@code offset}, in time independent of
   * where they differ (as {@link java.security.MessageDigest#isEqual}), without copying it out.
   */
  private static boolean macEquals(byte[] computed, byte[] body, int offset) {
    int diff = 0;
    for (int i = 0; i < MAC_LENGTH; i++) {
      diff |= computed[i] ^ body[offset + i];
    }
    return diff == 0;
  }
}
