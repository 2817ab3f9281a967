package org.multiprocessing4j;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.multiprocessing4j.internal.spawn.Child;
import org.multiprocessing4j.internal.spawn.Children;

/**
 * Kills every child JVM a test left running, pass or fail, and waits for it to be gone. A child's
 * own children die with it (PR_SET_PDEATHSIG and control-channel end of stream).
 */
public final class ChildCleanup implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (Child c : Children.live()) {
      c.kill();
      c.waitFor(-1);
    }
  }
}
