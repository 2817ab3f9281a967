package org.multiprocessing4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.internal.spawn.LaunchSpec;

/**
 * How a child JVM is launched: JVM options, system properties, extra class path, environment,
 * working directory, where its output goes, how long it may take to start, and how its start is
 * made fast (an AOT cache, warm spare JVMs).
 *
 * <p>Immutable and thread-safe. A context holds defaults ({@link
 * MultiprocessingContext#defaults()}) that every process it creates uses, and a process can be
 * given its own with {@link JvmProcess#setOptions(ProcessOptions)}, which replace the context's as
 * a whole; start from the defaults with {@link #toBuilder()} to change one thing:
 *
 * <pre>{@code
 * ProcessOptions small = Multiprocessing.local().defaults().toBuilder().jvmOptions("-Xmx64m").build();
 * }</pre>
 *
 * <p>The child always runs the {@code java} launcher of this JVM's {@code java.home}, with this
 * JVM's class path (and module path, when the library runs as a named module) followed by {@link
 * Builder#classPath(Path...) extra entries}.
 *
 * <h2>Start latency</h2>
 *
 * A child is a new JVM, so {@link JvmProcess#start()} costs a JVM start-up. Two options cut it:
 *
 * <ul>
 *   <li>{@link Builder#aotCache(boolean)}, on by default: children use a JDK AOT cache of the
 *       classes their bootstrap loads, made once per class path in the background and kept in a
 *       user cache folder;
 *   <li>{@link Builder#warmSpares(int)}, off by default: this JVM keeps spare child JVMs started
 *       and waiting, so that {@code start()} only hands the process object over, in a few
 *       milliseconds.
 * </ul>
 *
 * {@code docs/benchmarks.md} has the measured numbers.
 */
public final class ProcessOptions {

  private static final ProcessOptions DEFAULTS = new Builder().build();

  private final List<String> jvmOptions;
  private final Map<String, String> systemProperties;
  private final List<Path> classPath;
  private final Map<String, String> environment;
  private final @Nullable Path workingDirectory;
  private final Output stdout;
  private final Output stderr;
  private final Duration startTimeout;
  private final boolean aotCache;
  private final int warmSpares;
  private final List<String> preload;

  private ProcessOptions(Builder b) {
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.systemProperties = Map.copyOf(b.systemProperties);
    this.classPath = List.copyOf(b.classPath);
    this.environment = Map.copyOf(b.environment);
    this.workingDirectory = b.workingDirectory;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.startTimeout = b.startTimeout;
    this.aotCache = b.aotCache;
    this.warmSpares = b.warmSpares;
    this.preload = List.copyOf(b.preload);
  }

  /**
   * Returns the library's defaults: no extra JVM options, output copied to this JVM's streams, a 60
   * second start timeout, the AOT cache on and no warm spares.
   *
   * @return the default options
   */
  public static ProcessOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a new builder holding the library's defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder holding these options, to derive changed options from them.
   *
   * @return a builder initialised from this
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.jvmOptions.addAll(jvmOptions);
    b.systemProperties.putAll(systemProperties);
    b.classPath.addAll(classPath);
    b.environment.putAll(environment);
    b.workingDirectory = workingDirectory;
    b.stdout = stdout;
    b.stderr = stderr;
    b.startTimeout = startTimeout;
    b.aotCache = aotCache;
    b.warmSpares = warmSpares;
    b.preload.addAll(preload);
    return b;
  }

  /**
   * Returns the options given to the child's JVM, before the class path and main class.
   *
   * @return an unmodifiable list, such as {@code [-Xmx64m]}
   */
  public List<String> jvmOptions() {
    return jvmOptions;
  }

  /**
   * Returns the system properties set in the child with {@code -D}.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> systemProperties() {
    return systemProperties;
  }

  /**
   * Returns the entries appended to the child's class path.
   *
   * @return an unmodifiable list
   */
  public List<Path> classPath() {
    return classPath;
  }

  /**
   * Returns the environment variables added to (or replacing those of) this process's environment
   * in the child.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> environment() {
    return environment;
  }

  /**
   * Returns the child's working directory.
   *
   * @return the directory, or {@code null} for this process's working directory
   */
  public @Nullable Path workingDirectory() {
    return workingDirectory;
  }

  /**
   * Returns where the child's standard output goes.
   *
   * @return the destination; {@link Output#parent()} by default
   */
  public Output stdout() {
    return stdout;
  }

  /**
   * Returns where the child's standard error goes.
   *
   * @return the destination; {@link Output#parent()} by default
   */
  public Output stderr() {
    return stderr;
  }

  /**
   * Returns how long {@link JvmProcess#start()} waits for the child JVM to report that it loaded
   * its target.
   *
   * @return a positive duration; 60 seconds by default
   */
  public Duration startTimeout() {
    return startTimeout;
  }

  /**
   * Returns whether children use (and this JVM makes) an AOT cache of their bootstrap; see {@link
   * Builder#aotCache(boolean)}.
   *
   * @return true by default
   */
  public boolean aotCache() {
    return aotCache;
  }

  /**
   * Returns how many spare child JVMs this JVM keeps ready for processes started with these
   * options; see {@link Builder#warmSpares(int)}.
   *
   * @return zero by default
   */
  public int warmSpares() {
    return warmSpares;
  }

  /**
   * Returns the classes every warm spare loads and initializes while it waits; see {@link
   * Builder#preload(String...)}.
   *
   * @return an unmodifiable list of binary class names; empty by default
   */
  public List<String> preload() {
    return preload;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ProcessOptions p
        && jvmOptions.equals(p.jvmOptions)
        && systemProperties.equals(p.systemProperties)
        && classPath.equals(p.classPath)
        && environment.equals(p.environment)
        && Objects.equals(workingDirectory, p.workingDirectory)
        && stdout.equals(p.stdout)
        && stderr.equals(p.stderr)
        && startTimeout.equals(p.startTimeout)
        && aotCache == p.aotCache
        && warmSpares == p.warmSpares
        && preload.equals(p.preload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        jvmOptions,
        systemProperties,
        classPath,
        environment,
        workingDirectory,
        stdout,
        stderr,
        startTimeout,
        aotCache,
        warmSpares,
        preload);
  }

  @Override
  public String toString() {
    return "ProcessOptions{jvmOptions="
        + jvmOptions
        + ", systemProperties="
        + systemProperties
        + ", classPath="
        + classPath
        + ", environment="
        + environment.keySet()
        + ", workingDirectory="
        + workingDirectory
        + ", stdout="
        + stdout
        + ", stderr="
        + stderr
        + ", startTimeout="
        + startTimeout
        + ", aotCache="
        + aotCache
        + ", warmSpares="
        + warmSpares
        + ", preload="
        + preload
        + "}";
  }

  /** Builds {@link ProcessOptions}. Not thread-safe. */
  public static final class Builder {
    private final List<String> jvmOptions = new ArrayList<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final List<Path> classPath = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private @Nullable Path workingDirectory;
    private Output stdout = Output.parent();
    private Output stderr = Output.parent();
    private Duration startTimeout = Duration.ofSeconds(60);
    private boolean aotCache = LaunchSpec.DEFAULT_AOT_CACHE;
    private int warmSpares;
    private final List<String> preload = new ArrayList<>();

    private Builder() {}

    /**
     * Adds options for the child's JVM, such as {@code -Xmx64m} or {@code -XX:+UseSerialGC}.
     *
     * @param options JVM options, each one argument of the {@code java} command
     * @return this builder
     * @throws IllegalArgumentException if an option is blank or does not start with {@code -}
     */
    public Builder jvmOptions(String... options) {
      for (String option : options) {
        Objects.requireNonNull(option, "option");
        if (option.isBlank() || !option.startsWith("-")) {
          throw new IllegalArgumentException(
              "JVM option \""
                  + option
                  + "\" does not start with '-'; give each option of the java command as one"
                  + " argument, for example jvmOptions(\"-Xmx64m\", \"-Dkey=value\")");
        }
        jvmOptions.add(option);
      }
      return this;
    }

    /**
     * Sets a system property in the child.
     *
     * @param key the property name; not blank
     * @param value its value
     * @return this builder
     * @throws IllegalArgumentException if the key is blank or contains {@code =}
     */
    public Builder systemProperty(String key, String value) {
      Objects.requireNonNull(value, "value");
      if (key.isBlank() || key.contains("=")) {
        throw new IllegalArgumentException(
            "system property name \"" + key + "\" is blank or contains '='");
      }
      systemProperties.put(key, value);
      return this;
    }

    /**
     * Appends entries to the child's class path, after this JVM's own.
     *
     * @param entries jar files or class folders
     * @return this builder
     */
    public Builder classPath(Path... entries) {
      for (Path entry : entries) {
        classPath.add(Objects.requireNonNull(entry, "entry"));
      }
      return this;
    }

    /**
     * Sets an environment variable in the child, in addition to this process's environment.
     *
     * @param name the variable's name
     * @param value its value
     * @return this builder
     * @throws IllegalArgumentException if the name is blank or contains {@code =}
     */
    public Builder environment(String name, String value) {
      Objects.requireNonNull(value, "value");
      if (name.isBlank() || name.contains("=")) {
        throw new IllegalArgumentException(
            "environment variable name \"" + name + "\" is blank or contains '='");
      }
      environment.put(name, value);
      return this;
    }

    /**
     * Sets the child's working directory.
     *
     * @param directory an existing directory, or {@code null} for this process's
     * @return this builder
     */
    public Builder workingDirectory(@Nullable Path directory) {
      this.workingDirectory = directory;
      return this;
    }

    /**
     * Sets where the child's standard output goes.
     *
     * @param destination the destination
     * @return this builder
     */
    public Builder stdout(Output destination) {
      this.stdout = Objects.requireNonNull(destination, "destination");
      return this;
    }

    /**
     * Sets where the child's standard error goes.
     *
     * @param destination the destination
     * @return this builder
     */
    public Builder stderr(Output destination) {
      this.stderr = Objects.requireNonNull(destination, "destination");
      return this;
    }

    /**
     * Sets how long {@link JvmProcess#start()} waits for the child to report that it loaded its
     * target before killing it and throwing {@link ProcessStartException}.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if the timeout is zero or negative
     */
    public Builder startTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("start timeout must be positive: " + timeout);
      }
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Sets whether children use a JDK AOT cache (JEP 483 and 514) of the classes their bootstrap
     * loads, parsed and linked ahead of time, which shortens each child's start. On by default.
     *
     * <p>The cache is made by this library, not by you: the first start of a child whose cache is
     * missing goes ahead without it and, in the background, runs one short training JVM with the
     * same command line, which writes the cache. It is kept per {@code java.home}, JDK version,
     * class path, module path and JVM options, in {@code $XDG_CACHE_HOME/mp4j/aot} or else {@code
     * ~/.cache/mp4j/aot} (the system property {@code org.multiprocessing4j.aot.dir} of this JVM
     * chooses another folder), about 15 MB a file. A jar of the class path that changes (size or
     * modification time) makes a new cache, and the old one is deleted. When a new one is made,
     * caches unused for 7 days are deleted, and of the others only the 8 most recently used are
     * kept (about 120 MB).
     *
     * <p>The cache never fails a start and never writes to the child's output: a cache the JVM
     * rejects is silently not used. There is none when the class path holds a folder of classes
     * (the JDK archives only jars; so not under {@code mvn test} or in an IDE), when the JVM
     * options already choose class data sharing ({@code -Xshare}, {@code -XX:SharedArchiveFile},
     * {@code -XX:AOTCache} and the like, also in {@code JAVA_TOOL_OPTIONS}), or when no user cache
     * folder can be written. The system property {@code org.multiprocessing4j.aot.log}, naming a
     * file, collects the training runs' output there, to see why a cache is missing.
     *
     * @param enabled whether to use the cache
     * @return this builder
     */
    public Builder aotCache(boolean enabled) {
      this.aotCache = enabled;
      return this;
    }

    /**
     * Sets how many spare child JVMs to keep started and waiting for processes started with these
     * options, so that {@link JvmProcess#start()} takes one and only hands it the process object: a
     * few milliseconds instead of a JVM start. Zero, the default, keeps none.
     *
     * <p>The first start with these options creates the spares in the background (that start itself
     * is cold); each start that takes one has a replacement started in the background, one JVM at a
     * time. Spares are shared by all processes whose options differ at most in name, daemon flag,
     * start timeout and target; processes whose output goes to a file ({@link Output#file(Path)},
     * {@link Output#appendTo(Path)}) never use spares.
     *
     * <p>A spare is an idle JVM (some tens of megabytes of memory each). It is not a child until it
     * is handed a process: {@link JvmProcess#activeChildren()} does not list it. Spares are killed
     * when this JVM exits, and die as children do if it is killed. A spare that cannot start (a bad
     * JVM option) turns spares off for those options, and the start reports the error.
     *
     * @param count how many spares to keep ready; 0 to 64
     * @return this builder
     * @throws IllegalArgumentException if the count is negative or above 64
     */
    public Builder warmSpares(int count) {
      if (count < 0 || count > 64) {
        throw new IllegalArgumentException(
            "warm spares must be between 0 and 64, got " + count + "; 0 keeps none");
      }
      this.warmSpares = count;
      return this;
    }

    /**
     * Names classes that every warm spare ({@link #warmSpares(int)}) loads, links and initializes
     * while it waits, as Python's {@code set_forkserver_preload}, so that a start does not pay for
     * loading them: typically the class that holds the target's code (a lambda's enclosing class, a
     * method reference's class), the classes the target uses, and their libraries. The list
     * replaces any earlier one. It changes nothing for processes started without spares, which load
     * their classes when they need them. With or without this list, a spare started after a process
     * whose target is a lambda that does not use {@code this}, or a static method reference, loads
     * that code's class, without initializing it, in case the same target is started again.
     *
     * <p>A class's static initializer runs in every spare, before the spare knows which process it
     * will become, and also in spares that are never used; a class that is missing or whose
     * initializer throws is skipped in the spare without a word (the process that needs it reports
     * the error when it runs), as Python skips a preload module it cannot import. Spares are shared
     * only by options with the same preload list.
     *
     * @param classNames binary class names, such as {@code com.example.Task} or {@code
     *     com.example.Outer$Inner}; at most 1,000
     * @return this builder
     * @throws IllegalArgumentException if a name is not a binary class name, or there are more than
     *     1,000
     * @throws NullPointerException if the array or a name is null
     */
    public Builder preload(String... classNames) {
      if (classNames.length > 1000) {
        throw new IllegalArgumentException(
            "at most 1000 classes can be preloaded, got " + classNames.length);
      }
      List<String> names = new ArrayList<>();
      for (String name : classNames) {
        Objects.requireNonNull(name, "class name");
        if (!isBinaryName(name)) {
          throw new IllegalArgumentException(
              "not a binary class name: \""
                  + name
                  + "\"; write it as Class.getName() does, such as com.example.Outer$Inner");
        }
        names.add(name);
      }
      preload.clear();
      preload.addAll(names);
      return this;
    }

    private static boolean isBinaryName(String name) {
      if (name.isEmpty()) {
        return false;
      }
      for (String part : name.split("\\.", -1)) {
        if (part.isEmpty()
            || !Character.isJavaIdentifierStart(part.codePointAt(0))
            || !part.codePoints().allMatch(Character::isJavaIdentifierPart)) {
          return false;
        }
      }
      return true;
    }

    /**
     * Builds the options.
     *
     * @return immutable options
     */
    public ProcessOptions build() {
      return new ProcessOptions(this);
    }
  }
}
