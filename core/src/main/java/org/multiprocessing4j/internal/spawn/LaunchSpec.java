package org.multiprocessing4j.internal.spawn;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to launch one child JVM, resolved from the public options.
 *
 * @param jvmOptions options for the child's {@code java} command, {@code -D} properties included
 * @param extraClassPath entries appended to this JVM's class path
 * @param environment variables added to this process's environment
 * @param workingDirectory the child's working directory, or null for ours
 * @param stdout where the child's standard output goes
 * @param stderr where the child's standard error goes
 * @param startTimeoutNanos how long to wait for the child to load its target
 * @param name the process's name, used for thread names and messages
 * @param aotCache whether the child may use (and this JVM may create) an AOT cache; see {@link
 *     AotCache}
 * @param warmSpares how many spare JVMs to keep ready for launches like this one; see {@link
 *     WarmSpares}
 * @param preload the classes a spare loads and initializes while it waits
 */
public record LaunchSpec(
    List<String> jvmOptions,
    List<Path> extraClassPath,
    Map<String, String> environment,
    @Nullable Path workingDirectory,
    Sink stdout,
    Sink stderr,
    long startTimeoutNanos,
    String name,
    boolean aotCache,
    int warmSpares,
    List<String> preload) {

  /** Whether a child uses the AOT cache when its options do not say: {@value}. */
  public static final boolean DEFAULT_AOT_CACHE = true;

  /**
   * Creates a spec with the default AOT cache setting and no warm spares.
   *
   * @param jvmOptions options for the child's {@code java} command
   * @param extraClassPath entries appended to this JVM's class path
   * @param environment variables added to this process's environment
   * @param workingDirectory the child's working directory, or null for ours
   * @param stdout where the child's standard output goes
   * @param stderr where the child's standard error goes
   * @param startTimeoutNanos how long to wait for the child to load its target
   * @param name the process's name
   */
  public LaunchSpec(
      List<String> jvmOptions,
      List<Path> extraClassPath,
      Map<String, String> environment,
      @Nullable Path workingDirectory,
      Sink stdout,
      Sink stderr,
      long startTimeoutNanos,
      String name) {
    this(
        jvmOptions,
        extraClassPath,
        environment,
        workingDirectory,
        stdout,
        stderr,
        startTimeoutNanos,
        name,
        DEFAULT_AOT_CACHE,
        0,
        List.of());
  }

  /** Where one output stream of the child goes. */
  public enum SinkKind {
    /** Copied into this JVM's System.out or System.err. */
    PARENT,
    /** The child writes to our file descriptor directly. */
    INHERIT,
    /** Thrown away. */
    DISCARD,
    /** Written to a file. */
    FILE,
    /** Appended to a file. */
    APPEND,
    /** Kept in memory. */
    CAPTURE
  }

  /**
   * One output destination.
   *
   * @param kind the kind
   * @param file the file for FILE and APPEND, else null
   */
  public record Sink(SinkKind kind, @Nullable Path file) {}
}
