package org.multiprocessing4j.internal.spawn;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.UTFDataFormatException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The LAUNCH payload without Java serialization, for the usual process: a plain {@code JvmProcess}
 * (not a subclass) whose target is a {@link HandleTarget} (a lambda or static method reference of
 * {@code ProcessTarget}'s interfaces, possibly inside the lambda {@code JvmProcess} wraps around a
 * target with arguments) whose captured values are simple: {@code null}, boxed primitives, {@link
 * String}, {@code byte[]}, and {@link ArrayList}s or {@link List#of} lists of these, the types that
 * {@code ValueCodec} encodes without serialization. Anything else is sent Java-serialized, as
 * before; {@link #isCompact} tells the two apart by the first bytes.
 *
 * <h2>Why</h2>
 *
 * A cold child's first {@code ObjectInputStream} initializes the serialization machinery ({@code
 * ObjectStreamClass} and its reflection over every class of the stream, the deserialization
 * filter), which took 33 to 89 ms of a cold child under load: more than the rest of its bootstrap
 * after the JVM's boot. This form needs a {@code DataInputStream}, {@code Class.forName} and the
 * method handle lookup that a {@code HandleTarget} makes anyway.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * payload := MAGIC:u16 VERSION:u8 name:utf daemon:bool identity:utf hasParent:bool [parent:utf]
 *            target
 * target  := implClass:utf implMethod:utf signature:utf arity:u8 count:u8 value{count}
 * value   := tag:u8 payload
 *   NULL: nothing   BOOLEAN, BYTE: 1 byte   SHORT, CHAR: 2   INT, FLOAT: 4   LONG, DOUBLE: 8
 *   STRING: utf   BYTES: length:i32 bytes   ARRAY_LIST, IMMUTABLE_LIST: count:i32 value{count}
 *   TARGET: a target (the user's lambda inside JvmProcess's wrapper)
 * </pre>
 *
 * {@code utf} is {@link DataOutputStream#writeUTF}'s modified UTF-8, which keeps every {@code char}
 * (unpaired surrogates too, as serialization does); a string too long for it sends the process
 * Java-serialized. Big-endian, as {@code DataOutputStream} writes.
 *
 * <h2>What differs from serialization</h2>
 *
 * Nothing a target can observe: the values are immutable but for {@code byte[]} and lists, and a
 * {@code byte[]} or list reached twice from the captured values (the same object twice, which
 * serialization would keep as one) sends the process Java-serialized. Only the parent's LAUNCH is
 * read this way, so a {@code HandleTarget} is accepted from nowhere else (see {@link
 * HandleTarget}).
 */
final class CompactLaunch {

  /** Not the first two bytes of a Java serialization stream ({@code 0xACED}). */
  private static final int MAGIC = 0x4D50; // "MP"

  private static final int VERSION = 1;

  private static final int NULL = 0;
  private static final int BOOLEAN = 1;
  private static final int BYTE = 2;
  private static final int SHORT = 3;
  private static final int CHAR = 4;
  private static final int INT = 5;
  private static final int LONG = 6;
  private static final int FLOAT = 7;
  private static final int DOUBLE = 8;
  private static final int STRING = 9;
  private static final int BYTES = 10;
  private static final int ARRAY_LIST = 11;
  private static final int IMMUTABLE_LIST = 12;
  private static final int TARGET = 13;

  /** Deepest nesting of targets and lists sent in this form; deeper goes Java-serialized. */
  private static final int MAX_DEPTH = 8;

  private static final Class<?> LIST12 = List.of(1).getClass();
  private static final Class<?> LIST_N = List.of(1, 2, 3).getClass();

  /** False sends every process Java-serialized; tests compare the two forms with it. */
  static volatile boolean enabled = true;

  private CompactLaunch() {}

  /** What a compact LAUNCH carries: the fields of the process object and its resolved target. */
  record Parts(
      String name,
      boolean daemon,
      String identity,
      @Nullable String parentName,
      HandleTarget target) {}

  /** Signals that the process does not fit this form; caught inside this class only. */
  private static final class NotCompact extends Exception {
    private static final long serialVersionUID = 1L;

    NotCompact() {
      super(null, null, false, false);
    }
  }

  /**
   * Returns the compact LAUNCH payload of a plain process object's fields, or null if the target
   * does not fit this form (the caller then serializes the process).
   *
   * @param target the process's target, as the process object holds it
   */
  static byte @Nullable [] tryEncode(
      String name,
      boolean daemon,
      String identity,
      @Nullable String parentName,
      @Nullable Object target) {
    if (target == null) {
      return null;
    }
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
      DataOutputStream out = new DataOutputStream(buf);
      out.writeShort(MAGIC);
      out.writeByte(VERSION);
      out.writeUTF(name);
      out.writeBoolean(daemon);
      out.writeUTF(identity);
      out.writeBoolean(parentName != null);
      if (parentName != null) {
        out.writeUTF(parentName);
      }
      writeTarget(out, asHandle(target), new IdentityHashMap<>(), 0);
      out.flush();
      return buf.toByteArray();
    } catch (NotCompact | UTFDataFormatException e) {
      return null; // e.g. a captured value of another type, a string over 64 KiB of UTF-8
    } catch (IOException e) {
      throw new IllegalStateException("cannot write to a byte array", e);
    }
  }

  /** Returns whether a LAUNCH payload is in this form rather than Java-serialized. */
  static boolean isCompact(byte[] payload) {
    return payload.length >= 2 && (((payload[0] & 0xff) << 8) | (payload[1] & 0xff)) == MAGIC;
  }

  /**
   * Reads a compact LAUNCH payload, loading the target's classes with {@code loader} (without
   * initializing them) and resolving its method.
   *
   * @throws InvalidObjectException if the target's method cannot be resolved here, naming it
   * @throws IOException if the payload is malformed
   * @throws ClassNotFoundException if a target's class is missing here
   */
  static Parts decode(byte[] payload, ClassLoader loader)
      throws IOException, ClassNotFoundException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    if (in.readUnsignedShort() != MAGIC) {
      throw new IOException("not a compact LAUNCH payload");
    }
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new IOException("compact LAUNCH version " + version + ", expected " + VERSION);
    }
    String name = in.readUTF();
    boolean daemon = in.readBoolean();
    String identity = in.readUTF();
    String parentName = in.readBoolean() ? in.readUTF() : null;
    if (in.readUnsignedByte() != TARGET) {
      throw new IOException("corrupt compact LAUNCH: no target");
    }
    HandleTarget target = readTarget(in, loader, 0);
    if (in.available() != 0) {
      throw new IOException("corrupt compact LAUNCH: " + in.available() + " bytes left over");
    }
    return new Parts(name, daemon, identity, parentName, target);
  }

  // ------------------------------------------------------------------------------------ encode

  /**
   * Returns the handle target a lambda object would be replaced with when serialized, or throws
   * {@link NotCompact}: its serialized form is asked of its {@code writeReplace}, as serialization
   * does, when its package is open to us (always so on the class path).
   */
  private static HandleTarget asHandle(Object lambda) throws NotCompact {
    if (lambda instanceof HandleTarget h) {
      return h;
    }
    Class<?> c = lambda.getClass();
    if (!c.isHidden()
        || !c.getModule().isOpen(c.getPackageName(), CompactLaunch.class.getModule())) {
      throw new NotCompact();
    }
    Object replaced;
    try {
      Method m = c.getDeclaredMethod("writeReplace");
      m.setAccessible(true);
      replaced = HandleTarget.replace(m.invoke(lambda));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new NotCompact(); // not a serializable lambda: let serialization say what is wrong
    }
    if (!(replaced instanceof HandleTarget h)) {
      throw new NotCompact();
    }
    return h;
  }

  private static void writeTarget(
      DataOutputStream out, HandleTarget t, Map<Object, Boolean> seen, int depth)
      throws IOException, NotCompact {
    if (depth > MAX_DEPTH) {
      throw new NotCompact();
    }
    @Nullable Object[] captured = t.capturedArgs();
    if (captured.length > 255) {
      throw new NotCompact();
    }
    out.writeByte(TARGET);
    out.writeUTF(t.implClass().getName());
    out.writeUTF(t.implMethodName());
    out.writeUTF(t.implMethodSignature());
    out.writeByte(t.arity());
    out.writeByte(captured.length);
    for (Object value : captured) {
      writeValue(out, value, seen, depth);
    }
  }

  private static void writeValue(
      DataOutputStream out, @Nullable Object value, Map<Object, Boolean> seen, int depth)
      throws IOException, NotCompact {
    switch (value) {
      case null -> out.writeByte(NULL);
      case String s -> {
        out.writeByte(STRING);
        out.writeUTF(s);
      }
      case Integer i -> {
        out.writeByte(INT);
        out.writeInt(i);
      }
      case Long l -> {
        out.writeByte(LONG);
        out.writeLong(l);
      }
      case Boolean b -> {
        out.writeByte(BOOLEAN);
        out.writeBoolean(b);
      }
      case Double d -> {
        out.writeByte(DOUBLE);
        out.writeLong(Double.doubleToRawLongBits(d));
      }
      case Float f -> {
        out.writeByte(FLOAT);
        out.writeInt(Float.floatToRawIntBits(f));
      }
      case Byte b -> {
        out.writeByte(BYTE);
        out.writeByte(b);
      }
      case Short s -> {
        out.writeByte(SHORT);
        out.writeShort(s);
      }
      case Character c -> {
        out.writeByte(CHAR);
        out.writeChar(c);
      }
      case byte[] bytes -> {
        once(bytes, seen);
        out.writeByte(BYTES);
        out.writeInt(bytes.length);
        out.write(bytes);
      }
      case List<?> list -> {
        Class<?> c = list.getClass();
        int kind;
        if (c == ArrayList.class) {
          kind = ARRAY_LIST;
        } else if (c == LIST12 || c == LIST_N) { // List.of(), of any length
          kind = IMMUTABLE_LIST;
        } else {
          throw new NotCompact(); // another list type: serialization keeps its class
        }
        if (depth >= MAX_DEPTH) {
          throw new NotCompact();
        }
        once(list, seen);
        out.writeByte(kind);
        out.writeInt(list.size());
        for (Object element : list) {
          if (element == null && kind == IMMUTABLE_LIST) {
            throw new NotCompact(); // Stream.toList()'s: List.of could not rebuild it in the child
          }
          writeValue(out, element, seen, depth + 1);
        }
      }
      default -> writeTarget(out, asHandle(value), seen, depth + 1);
    }
  }

  /** Sends the process Java-serialized if a mutable value is reached twice: it keeps sharing. */
  private static void once(Object mutable, Map<Object, Boolean> seen) throws NotCompact {
    if (seen.put(mutable, Boolean.TRUE) != null) {
      throw new NotCompact();
    }
  }

  // ------------------------------------------------------------------------------------ decode

  private static HandleTarget readTarget(DataInputStream in, ClassLoader loader, int depth)
      throws IOException, ClassNotFoundException {
    if (depth > MAX_DEPTH) {
      throw new IOException("corrupt compact LAUNCH: targets nested too deep");
    }
    String className = in.readUTF();
    String method = in.readUTF();
    String signature = in.readUTF();
    int arity = in.readUnsignedByte();
    @Nullable Object[] captured = new @Nullable Object[in.readUnsignedByte()];
    for (int i = 0; i < captured.length; i++) {
      captured[i] = readValue(in, loader, depth);
    }
    Class<?> implClass = Class.forName(className, false, loader);
    return HandleTarget.resolved(implClass, method, signature, captured, arity);
  }

  private static @Nullable Object readValue(DataInputStream in, ClassLoader loader, int depth)
      throws IOException, ClassNotFoundException {
    int tag = in.readUnsignedByte();
    return switch (tag) {
      case NULL -> null;
      case STRING -> in.readUTF();
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case BOOLEAN -> in.readBoolean();
      case DOUBLE -> Double.longBitsToDouble(in.readLong());
      case FLOAT -> Float.intBitsToFloat(in.readInt());
      case BYTE -> in.readByte();
      case SHORT -> in.readShort();
      case CHAR -> in.readChar();
      case BYTES -> {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
          throw new IOException("corrupt compact LAUNCH: byte[] of length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        yield b;
      }
      case ARRAY_LIST, IMMUTABLE_LIST -> {
        if (depth >= MAX_DEPTH) {
          throw new IOException("corrupt compact LAUNCH: lists nested too deep");
        }
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
          throw new IOException("corrupt compact LAUNCH: list of length " + n);
        }
        @Nullable Object[] elements = new @Nullable Object[n];
        for (int i = 0; i < n; i++) {
          elements[i] = readValue(in, loader, depth + 1);
        }
        if (tag == ARRAY_LIST) {
          yield new ArrayList<>(Arrays.asList(elements));
        }
        try {
          yield List.of(elements);
        } catch (NullPointerException e) {
          throw new IOException("corrupt compact LAUNCH: a null in an immutable list", e);
        }
      }
      case TARGET -> readTarget(in, loader, depth + 1);
      default -> throw new IOException("corrupt compact LAUNCH: value tag " + tag);
    };
  }
}
