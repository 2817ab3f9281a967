package org.multiprocessing4j.examples;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** What the process-pool and thread-pool scenarios share: the tutorial's task and the checks. */
final class PoolScenarios {

  /** How many tasks the tutorial submits. */
  static final int TASKS = 10;

  /** How many workers the tutorial's pool has. */
  static final int WORKERS = 4;

  private PoolScenarios() {}

  /**
   * The tutorial's task: prints its name and pid, sleeps 1 to 3 units, says it is done. The
   * tutorial's unit is a second; here it is 100 ms.
   */
  static void task(String name) throws InterruptedException {
    System.out.println("name:" + name + " pid:" + ProcessHandle.current().pid() + " run");
    Thread.sleep(100L * ThreadLocalRandom.current().nextInt(1, 4));
    System.out.println("name:" + name + " done");
  }

  /** What the program's output showed. */
  record Observed(
      int ran, int done, Set<Long> pids, long mainPid, boolean mainLast, int submitMillis) {

    static Observed of(ProgramOutput o) {
      List<String> lines = o.texts();
      Set<Long> pids = new HashSet<>();
      int ran = 0;
      int done = 0;
      int lastTaskLine = -1;
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i);
        if (l.startsWith("name:") && l.endsWith(" run")) {
          ran++;
          pids.add(Long.parseLong(l.substring(l.indexOf("pid:") + 4, l.length() - 4)));
          lastTaskLine = i;
        } else if (l.startsWith("name:") && l.endsWith(" done")) {
          done++;
          lastTaskLine = i;
        }
      }
      int main = o.indexOf("main pid");
      return new Observed(
          ran,
          done,
          pids,
          o.lastNumber("main pid").orElse(-1),
          main > lastTaskLine,
          o.lastNumber("submitted all tasks in ms").orElse(-1));
    }

    String describe() {
      return ran
          + " tasks ran on "
          + pids.size()
          + " distinct pid(s)"
          + (pids.contains(mainPid) ? " (the main pid)" : " (not the main pid)")
          + "; submitting took "
          + submitMillis
          + " ms; the main line came "
          + (mainLast ? "after" : "before")
          + " every task's lines";
    }
  }
}
