package org.multiprocessing4j.internal.sync;

import org.multiprocessing4j.internal.os.ProcessIdentity;

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
 *   <li>{@code owner thread id}: the holding thread's {@link Thread#threadId()} and its process's
 *       pid ({@link #ownerThread}), written by the holder (release) after it acquired, cleared
 *       before it releases; read by the holder to check ownership, and by the deadlock detector
 *       (acquire). The pid is there because a holder that dies leaves its word behind: a thread
 *       with the same id in the process that recovers the lock (thread ids repeat across JVMs) must
 *       not read it as its own between the recoverer's compareAndSet of the owner process and its
 *       write of this word.
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

  /**
   * Returns the owner-thread word of thread {@code threadId} of this process: the thread id above
   * the pid's {@value ProcessIdentity#PID_BITS} bits. Never 0.
   */
  static long ownerThread(long threadId) {
    return (threadId << ProcessIdentity.PID_BITS) | ProcessIdentity.selfPid();
  }

  /** Returns the thread id of an owner-thread word (0 for 0). */
  static long threadOf(long ownerThread) {
    return ownerThread >>> ProcessIdentity.PID_BITS;
  }

  /** Returns the name of a lock in reports and messages. */
  static String name(int kind, long number) {
    return (kind == KIND_REENTRANT ? "ReentrantProcessLock#" : "ProcessLock#") + number;
  }
}
