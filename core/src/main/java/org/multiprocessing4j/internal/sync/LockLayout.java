package org.multiprocessing4j.internal.sync;

/**
 * The shared-memory layout of a {@link ShmLock}: one cache line.
 *
 * <pre>
 *   0                   8                  16                 24        28        32
 *   ├───────────────────┼─────────┬────────┼──────────────────┼─────────┼─────────┤
 *   │ owner process     │ released│ (free) │ owner thread id  │ died    │ kind    │
 *   │ token (RobustLock)│ (futex) │        │                  │ flag    │         │
 *   ├───────────────────┴─────────┴────────┼──────────────────┼─────────┴─────────┤
 *   │ hold count (reentrant)               │ dead owner pid   │ number            │
 *   32                                     40                 48                  56 .. 64
 * </pre>
 *
 * <ul>
 *   <li>{@code owner process token}: 0 when free, else the holder's {@code ProcessIdentity} token;
 *       written only by compareAndSet ({@link RobustLock}).
 *   <li>{@code owner thread id}: the holding thread's {@link Thread#threadId()}, written by the
 *       holder (release) after it acquired, cleared before it releases; read by the holder to check
 *       ownership, and by the deadlock detector (acquire).
 *   <li>{@code died flag}: 1 while in the owner-died state; written by holders only.
 *   <li>{@code kind}: {@link #KIND_LOCK} or {@link #KIND_REENTRANT}, written at creation.
 *   <li>{@code hold count}: the reentrant holder's count; read and written by the holder only.
 *   <li>{@code dead owner pid}: the pid of the last holder found dead, for messages.
 *   <li>{@code number}: names the lock in reports, written at creation.
 * </ul>
 */
final class LockLayout {

  static final long OWNER = 0;
  static final long OWNER_THREAD = 16;
  static final long DIED = 24;
  static final long KIND = 28;
  static final long HOLDS = 32;
  static final long DEAD_OWNER_PID = 40;
  static final long NUMBER = 48;

  static final int LENGTH = 64;

  static final int KIND_LOCK = 1;
  static final int KIND_REENTRANT = 2;

  private LockLayout() {}

  /** Returns the name of a lock in reports and messages. */
  static String name(int kind, long number) {
    return (kind == KIND_REENTRANT ? "ReentrantProcessLock#" : "ProcessLock#") + number;
  }
}
