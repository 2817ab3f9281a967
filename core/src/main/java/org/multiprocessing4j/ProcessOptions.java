package org.multiprocessing4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a child JVM is launched: JVM options, system properties, extra class path, environment,
 * working directory, where its output goes and how long it may take to start.
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

  private ProcessOptions(Builder b) {
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.systemProperties = Map.copyOf(b.systemProperties);
    this.classPath = List.copyOf(b.classPath);
    this.environment = Map.copyOf(b.environment);
    this.workingDirectory = b.workingDirectory;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.startTimeout = b.startTimeout;
  }

  /**
   * Returns the library's defaults: no extra JVM options, output copied to this JVM's streams, a 60
   * second start timeout.
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
        && startTimeout.equals(p.startTimeout);
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
        startTimeout);
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
     * Builds the options.
     *
     * @return immutable options
     */
    public ProcessOptions build() {
      return new ProcessOptions(this);
    }
  }
}
