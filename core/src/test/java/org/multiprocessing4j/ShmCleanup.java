package org.multiprocessing4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.multiprocessing4j.internal.os.ProcessIdentity;
import org.multiprocessing4j.internal.shm.ShmDirectory;
import org.multiprocessing4j.internal.spawn.Child;
import org.multiprocessing4j.internal.spawn.Children;

/**
 * Leaves nothing in {@code /dev/shm}, pass or fail: kills every child JVM the test left running (as
 * {@link ChildCleanup} does) and waits for it to be gone, then removes the shared-memory files of
 * dead owners and of this JVM. Tests that check cleanup themselves assert before this runs.
 */
public final class ShmCleanup implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (Child c : Children.live()) {
      c.kill();
      c.waitFor(-1);
    }
    removeLeftovers();
  }

  /** Removes the files of dead owners and of this JVM. */
  public static void removeLeftovers() throws IOException {
    ShmDirectory.sweepDeadOwners();
    for (Path p : ShmDirectory.list(ShmDirectory.PREFIX + ProcessIdentity.selfPid() + "-")) {
      Files.deleteIfExists(p);
    }
  }
}
