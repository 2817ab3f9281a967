package org.multiprocessing4j.internal.codec;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A throwable reduced to plain data (class name, message, stack frames, cause chain) so it can
 * cross to another process without Java serialization of the throwable itself: the remote class may
 * not exist in the receiver, and deserializing foreign objects is unsafe.
 *
 * @param className the throwable's binary class name
 * @param message its message, or null
 * @param frames its stack frames
 * @param cause its cause, or null
 */
public record ThrowableInfo(
    String className,
    @Nullable String message,
    java.util.List<StackTraceElement> frames,
    @Nullable ThrowableInfo cause) {

  /** Causes deeper than this are dropped, to bound the size of a message. */
  private static final int MAX_CAUSE_DEPTH = 32;

  /** Frames beyond this many per throwable are dropped. */
  private static final int MAX_FRAMES = 1024;

  /**
   * Reduces a throwable and its cause chain (without cycles) to data.
   *
   * @param t the throwable
   * @return its description
   */
  public static ThrowableInfo of(Throwable t) {
    return of(t, new IdentityHashMap<>(), 0);
  }

  private static ThrowableInfo of(Throwable t, Map<Throwable, Boolean> seen, int depth) {
    seen.put(t, Boolean.TRUE);
    Throwable c = t.getCause();
    ThrowableInfo cause =
        c == null || seen.containsKey(c) || depth >= MAX_CAUSE_DEPTH
            ? null
            : of(c, seen, depth + 1);
    StackTraceElement[] frames = t.getStackTrace();
    if (frames.length > MAX_FRAMES) {
      frames = java.util.Arrays.copyOf(frames, MAX_FRAMES);
    }
    return new ThrowableInfo(
        t.getClass().getName(), t.getMessage(), java.util.List.of(frames), cause);
  }

  /**
   * Writes this description.
   *
   * @param out the destination
   * @throws IOException if writing fails
   */
  public void write(DataOutput out) throws IOException {
    out.writeUTF(className);
    writeNullable(out, message);
    out.writeInt(frames.size());
    for (StackTraceElement f : frames) {
      writeNullable(out, f.getClassLoaderName());
      writeNullable(out, f.getModuleName());
      writeNullable(out, f.getModuleVersion());
      out.writeUTF(f.getClassName());
      out.writeUTF(f.getMethodName());
      writeNullable(out, f.getFileName());
      out.writeInt(f.getLineNumber());
    }
    out.writeBoolean(cause != null);
    if (cause != null) {
      cause.write(out);
    }
  }

  /**
   * Reads a description written by {@link #write(DataOutput)}.
   *
   * @param in the source
   * @return the description
   * @throws IOException if reading fails or the data is malformed
   */
  public static ThrowableInfo read(DataInput in) throws IOException {
    return read(in, 0);
  }

  private static ThrowableInfo read(DataInput in, int depth) throws IOException {
    if (depth > MAX_CAUSE_DEPTH) {
      throw new IOException("throwable cause chain deeper than " + MAX_CAUSE_DEPTH);
    }
    String className = in.readUTF();
    String message = readNullable(in);
    int n = in.readInt();
    if (n < 0 || n > MAX_FRAMES) {
      throw new IOException("bad frame count " + n);
    }
    StackTraceElement[] frames = new StackTraceElement[n];
    for (int i = 0; i < n; i++) {
      String loader = readNullable(in);
      String module = readNullable(in);
      String version = readNullable(in);
      String declaring = in.readUTF();
      String method = in.readUTF();
      String file = readNullable(in);
      int line = in.readInt();
      frames[i] = new StackTraceElement(loader, module, version, declaring, method, file, line);
    }
    ThrowableInfo cause = in.readBoolean() ? read(in, depth + 1) : null;
    return new ThrowableInfo(className, message, java.util.List.of(frames), cause);
  }

  private static void writeNullable(DataOutput out, @Nullable String s) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      // writeUTF is limited to 65535 encoded bytes; messages can be longer.
      byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  private static @Nullable String readNullable(DataInput in) throws IOException {
    if (!in.readBoolean()) {
      return null;
    }
    int n = in.readInt();
    if (n < 0 || n > (16 << 20)) {
      throw new IOException("bad string length " + n);
    }
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return message == null ? className : className + ": " + message;
  }
}
