package org.multiprocessing4j;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a child process's standard output or standard error goes.
 *
 * <ul>
 *   <li>{@link #parent()}, the default: copied, as it arrives, into this JVM's {@code System.out}
 *       (or {@code System.err}), so a child's {@code println} shows up where the parent's would,
 *       including in a test runner or logging bridge that replaced those streams. The first
 *       kilobytes of the child's standard error are also kept so that a child that fails to launch
 *       is reported with its own error text.
 *   <li>{@link #inherit()}: the child writes to this process's own file descriptor 1 (or 2)
 *       directly, as Python's children do; nothing passes through this JVM.
 *   <li>{@link #discard()}: thrown away.
 *   <li>{@link #file(Path)} and {@link #appendTo(Path)}: written to a file.
 *   <li>{@link #capture()}: kept in memory, readable with {@link JvmProcess#capturedStdout()} and
 *       {@link JvmProcess#capturedStderr()}; everything the child writes is kept, so use it for
 *       children that write a bounded amount.
 * </ul>
 */
public final class Output {

  /** The kinds of destination; the order is not significant. */
  enum Kind {
    PARENT,
    INHERIT,
    DISCARD,
    FILE,
    APPEND,
    CAPTURE
  }

  private static final Output PARENT = new Output(Kind.PARENT, null);
  private static final Output INHERIT = new Output(Kind.INHERIT, null);
  private static final Output DISCARD = new Output(Kind.DISCARD, null);
  private static final Output CAPTURE = new Output(Kind.CAPTURE, null);

  private final Kind kind;
  private final @Nullable Path file;

  private Output(Kind kind, @Nullable Path file) {
    this.kind = kind;
    this.file = file;
  }

  /**
   * Copies the child's stream into this JVM's {@code System.out} or {@code System.err}.
   *
   * @return the default destination
   */
  public static Output parent() {
    return PARENT;
  }

  /**
   * Lets the child write to this process's own file descriptor.
   *
   * @return the inherit destination
   */
  public static Output inherit() {
    return INHERIT;
  }

  /**
   * Throws the child's stream away.
   *
   * @return the discard destination
   */
  public static Output discard() {
    return DISCARD;
  }

  /**
   * Keeps the child's stream in memory, to be read after the child ends.
   *
   * @return the capture destination
   */
  public static Output capture() {
    return CAPTURE;
  }

  /**
   * Writes the child's stream to a file, replacing its content.
   *
   * @param file the file; its folder must exist
   * @return a file destination
   */
  public static Output file(Path file) {
    return new Output(Kind.FILE, Objects.requireNonNull(file, "file"));
  }

  /**
   * Appends the child's stream to a file.
   *
   * @param file the file; its folder must exist
   * @return an appending file destination
   */
  public static Output appendTo(Path file) {
    return new Output(Kind.APPEND, Objects.requireNonNull(file, "file"));
  }

  Kind kind() {
    return kind;
  }

  @Nullable Path path() {
    return file;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Output other && kind == other.kind && Objects.equals(file, other.file);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, file);
  }

  @Override
  public String toString() {
    return file == null ? kind.name().toLowerCase(java.util.Locale.ROOT) : kind + "(" + file + ")";
  }
}
