package org.multiprocessing4j.internal.os;

/** Tokens of processes that certainly do not run, for tests that fill shared tables by hand. */
public final class EndedProcesses {

  private EndedProcesses() {}

  /**
   * Returns the token of the {@code i}th of as many ended processes as needed: this JVM's pid with
   * other start times. A test that puts a dead token back again and again uses a new one each time,
   * since the code may rely on a dead process's token never coming back.
   */
  public static long token(int i) {
    return ProcessIdentity.token(
        ProcessIdentity.selfPid(), ProcessIdentity.selfStart() + 1 + Integer.toUnsignedLong(i));
  }
}
