package org.multiprocessing4j.internal.spawn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Arms a child's {@code PR_SET_PDEATHSIG} before its JVM starts, by launching {@code java} through
 * util-linux's {@code setpriv --pdeathsig KILL}, when the machine has a {@code setpriv} that knows
 * the option (util-linux 2.33, 2018, and later).
 *
 * <p>Why: the child can arm it itself through the FFM API (see {@link ChildMain}), but linking that
 * one downcall costs a cold JVM 100 to 300 ms, more than the rest of its bootstrap. {@code setpriv}
 * makes the same {@code prctl} call and then executes {@code java}; the setting survives {@code
 * execve} (it is cleared only for set-user-ID programs), and the child still checks its parent pid
 * afterwards for a parent that died before the call. The death signal follows the thread that
 * forked {@code setpriv}, the {@link Spawner} thread, exactly as before.
 *
 * <p>Set the system property {@value #PROPERTY} to {@code false} to not use it.
 */
final class DeathSignalLauncher {

  /** Set to {@code false} to launch {@code java} directly and arm the signal in the child. */
  static final String PROPERTY = "org.multiprocessing4j.setpriv";

  private static final List<String> CANDIDATES = List.of("/usr/bin/setpriv", "/bin/setpriv");

  private DeathSignalLauncher() {}

  /** Lazily probed: one short process run, once per JVM. */
  private static final class Probe {
    static final @Nullable String SETPRIV = find();
  }

  /**
   * Returns the command prefix that launches a program with the death signal armed, or an empty
   * list when not available here.
   */
  static List<String> prefix() {
    if ("false".equals(System.getProperty(PROPERTY))) {
      return List.of();
    }
    String setpriv = Probe.SETPRIV;
    return setpriv == null ? List.of() : List.of(setpriv, "--pdeathsig", "KILL", "--");
  }

  private static @Nullable String find() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
      return null;
    }
    for (String candidate : CANDIDATES) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p) && knowsPdeathsig(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Older setpriv lacks the option; its help text lists the options it has. */
  private static boolean knowsPdeathsig(String setpriv) {
    try {
      Process p = new ProcessBuilder(setpriv, "--help").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String help;
      try (InputStream in = p.getInputStream()) {
        help = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return help.contains("--pdeathsig");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
