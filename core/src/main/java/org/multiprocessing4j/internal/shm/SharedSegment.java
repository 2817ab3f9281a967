package org.multiprocessing4j.internal.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.multiprocessing4j.internal.os.ProcessIdentity;

/**
 * One shared-memory file, mapped read-write into this process.
 *
 * <p>A segment is either <em>created</em> here (by a {@link SegmentOwner}, which also removes the
 * file) or <em>attached</em> to, by name, in any process of the same user. Attached mappings are
 * released by the garbage collector when no handle refers to the segment any more ({@link
 * Arena#ofAuto()}); created ones are unmapped when their owner closes ({@link Arena#ofShared()}),
 * after which an access from this process throws {@link IllegalStateException} rather than touching
 * unmapped memory. Removing the file does not disturb processes that have it mapped: the memory
 * lives until the last mapping goes.
 *
 * <p>Files are created with mode 0600: only the same user can map them.
 */
public final class SharedSegment {

  private static final Set<StandardOpenOption> CREATE =
      EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);

  private static final Set<StandardOpenOption> ATTACH =
      EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);

  private final String name;
  private final Path path;
  private final MemorySegment memory;

  private SharedSegment(String name, Path path, MemorySegment memory) {
    this.name = name;
    this.path = path;
    this.memory = memory;
  }

  /**
   * Creates a new zero-filled file of {@code sizeBytes} and maps it.
   *
   * @param path the file, in {@link ShmDirectory#dir()}
   * @param sizeBytes its size; pages are allocated only when first touched
   * @param arena the arena whose closing unmaps it
   * @return the mapped segment
   * @throws UncheckedIOException if the file exists already or cannot be created
   */
  static SharedSegment create(Path path, long sizeBytes, Arena arena) {
    if (sizeBytes <= 0) {
      throw new IllegalArgumentException("sizeBytes <= 0: " + sizeBytes);
    }
    try (FileChannel ch =
        FileChannel.open(
            path,
            CREATE,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      // Mapping READ_WRITE beyond the end grows the file (sparse, zero-filled).
      MemorySegment memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, sizeBytes, arena);
      return new SharedSegment(path.getFileName().toString(), path, memory);
    } catch (FileAlreadyExistsException e) {
      throw new UncheckedIOException("shared-memory file exists already: " + path, e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create shared-memory file " + path + " of " + sizeBytes + " bytes: " + e, e);
    }
  }

  /**
   * Creates and maps a file for the owner named in {@code name}, from any process: how a queue's
   * overflow files are made. The owner removes it at close, whoever created it.
   *
   * @param name a well-formed name whose prefix is an owner's
   * @param sizeBytes its size
   * @param arena the arena whose closing unmaps it here
   * @return the mapped segment
   * @throws SegmentGoneException if the owner has ended (the file would never be removed)
   * @throws UncheckedIOException if the file exists already or cannot be created
   */
  public static SharedSegment createFor(String name, long sizeBytes, Arena arena) {
    ShmDirectory.checkName(name);
    if (!ProcessIdentity.isAlive(ShmDirectory.ownerToken(name))) {
      throw new SegmentGoneException(name, "its owner process has ended");
    }
    return create(ShmDirectory.dir().resolve(name), sizeBytes, arena);
  }

  /**
   * Maps an existing file, whole.
   *
   * @param name the file's name in {@link ShmDirectory#dir()}
   * @return the mapped segment, unmapped when it becomes unreachable
   * @throws SegmentGoneException if the file does not exist (its owner removed it)
   * @throws UncheckedIOException if it cannot be mapped
   */
  public static SharedSegment attach(String name) {
    return attach(name, Arena.ofAuto());
  }

  /**
   * Maps an existing file, whole, until {@code arena} closes.
   *
   * @param name the file's name in {@link ShmDirectory#dir()}
   * @param arena the arena whose closing unmaps it
   * @return the mapped segment
   * @throws SegmentGoneException if the file does not exist (its owner removed it)
   * @throws UncheckedIOException if it cannot be mapped
   */
  public static SharedSegment attach(String name, Arena arena) {
    ShmDirectory.checkName(name);
    Path path = ShmDirectory.dir().resolve(name);
    try (FileChannel ch = FileChannel.open(path, ATTACH)) {
      long size = ch.size();
      if (size == 0) {
        throw new SegmentGoneException(name, "it is empty");
      }
      return new SharedSegment(name, path, ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena));
    } catch (NoSuchFileException e) {
      throw new SegmentGoneException(name, "it no longer exists");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map shared-memory file " + path + ": " + e, e);
    }
  }

  /**
   * Returns a view of part of this segment's memory under the same name, for many small structures
   * laid out side by side in one file (the jcstress tests give each test state a slice). The name
   * still attaches the whole file, so give a slice only to structures that nobody attaches by name
   * and that make no files named after it (a ring's overflow files are).
   *
   * @param offset where the slice starts
   * @param sizeBytes its length
   * @return the slice, mapped as long as this segment is
   * @throws IndexOutOfBoundsException if the slice does not lie within this segment
   */
  public SharedSegment slice(long offset, long sizeBytes) {
    return new SharedSegment(name, path, memory.asSlice(offset, sizeBytes));
  }

  /** Returns the file's name, which is how other processes attach to it. */
  public String name() {
    return name;
  }

  /** Returns the file. */
  public Path path() {
    return path;
  }

  /** Returns the mapped memory, page aligned. */
  public MemorySegment memory() {
    return memory;
  }

  /**
   * Removes the named file, if it exists; mappings stay valid.
   *
   * @param name a well-formed name
   */
  public static void unlink(String name) {
    ShmDirectory.checkName(name);
    try {
      Files.deleteIfExists(ShmDirectory.dir().resolve(name));
    } catch (IOException e) {
      // Best effort: the owner removes it at close, or the sweep once the owner has ended.
    }
  }

  /** Removes the file (idempotent); mappings stay valid. */
  public void unlink() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // Best effort: the sweep will find it once this process has ended.
    }
  }

  @Override
  public String toString() {
    return name + " (" + memory.byteSize() + " bytes)";
  }
}
