package org.multiprocessing4j.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ChildCleanup;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.RemoteProcessException;

/**
 * {@link CompactLaunch}: a plain process whose target is a lambda of simple values reaches the
 * child without Java serialization, and behaves there as the Java-serialized form does; anything
 * else is left to Java serialization.
 */
@ExtendWith(ChildCleanup.class)
class CompactLaunchTest {

  @TempDir Path dir;

  @AfterEach
  void restoreCompactForm() {
    CompactLaunch.enabled = true;
  }

  /** The values a target gets: every simple type, a lone surrogate, nested lists, a null. */
  static List<@Nullable Object> values() {
    ArrayList<@Nullable Object> values = new ArrayList<>();
    values.add(null);
    values.add(true);
    values.add((byte) -7);
    values.add((short) 300);
    values.add('x');
    values.add(42);
    values.add(-5L);
    values.add(1.5f);
    values.add(Double.NaN);
    values.add("text \uD800 lone surrogate, ünïcödé");
    values.add(new byte[] {1, 2, 3});
    values.add(List.of("a", List.of(1, 2), List.of()));
    values.add(new ArrayList<>(Arrays.asList(null, "b")));
    return values;
  }

  /** Describes values by class and content, so that two copies compare as text. */
  static String describe(@Nullable Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof byte[] b) {
      return "byte[]" + Arrays.toString(b);
    }
    if (v instanceof List<?> list) {
      StringBuilder s = new StringBuilder(list.getClass().getSimpleName()).append('[');
      for (Object e : list) {
        s.append(describe(e)).append(';');
      }
      return s.append(']').toString();
    }
    if (v instanceof String text) {
      StringBuilder s = new StringBuilder("String:");
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        s.append(c < 128 ? String.valueOf(c) : String.format("\\u%04X", (int) c));
      }
      return s.toString(); // ASCII: a lone surrogate survives the file
    }
    return v.getClass().getSimpleName() + ":" + v;
  }

  /** A child's view of itself and of what it was given, written to {@code file}. */
  static void report(String file, List<@Nullable Object> values) throws IOException {
    JvmProcess self = JvmProcess.current();
    String seen =
        describe(values)
            + "\nname="
            + self.name()
            + " daemon="
            + self.isDaemon()
            + " parent="
            + JvmProcess.parent().map(JvmProcess::name).orElse("none")
            // The identity travels: a grandchild's default name is built on it.
            + " nextChild="
            + new JvmProcess(CompactLaunchTest::nothing).name();
    Files.writeString(Path.of(file), seen, StandardCharsets.UTF_8);
  }

  static void nothing() {}

  static void fail(String message) {
    throw new IllegalStateException("failed: " + message);
  }

  static void exitWith(int status) {
    System.exit(status);
  }

  private String runReport(boolean compact, String name) throws Exception {
    CompactLaunch.enabled = compact;
    Path out = dir.resolve(name);
    ProcessTarget.Arg2<String, List<@Nullable Object>> target = CompactLaunchTest::report;
    JvmProcess p = new JvmProcess(target, out.toString(), values());
    String grandchild = p.name() + ":1"; // JvmProcess-N:1, N being p's identity
    p.setName(name).setDaemon(true);
    p.start().join();
    assertThat(p.exitCode()).as("%s", p.failure()).hasValue(0);
    String seen = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(seen).endsWith(" nextChild=" + grandchild);
    return seen.replace(grandchild, "GRANDCHILD").replace(name, "NAME");
  }

  @Test
  void start_compactAndSerialized_childSeesTheSameProcessAndArguments() throws Exception {
    String compact = runReport(true, "compact-form");
    String serialized = runReport(false, "serialized-form");
    assertThat(compact).isEqualTo(serialized);
    assertThat(compact)
        .startsWith(describe(values()))
        .endsWith("name=NAME daemon=true parent=MainProcess nextChild=GRANDCHILD")
        .contains("String:text \\uD800 lone surrogate, \\u00FCn")
        .contains("ListN[String:a;List12[Integer:1;Integer:2;];ListN[];]");
  }

  @Test
  void start_bothForms_sameFailureAndExitCodes() throws Exception {
    for (boolean compact : new boolean[] {true, false}) {
      CompactLaunch.enabled = compact;
      JvmProcess failing = new JvmProcess(CompactLaunchTest::fail, "in form " + compact);
      failing.start().join();
      assertThat(failing.exitCode()).hasValue(1);
      RemoteProcessException e = failing.failure().orElseThrow();
      assertThat(e.remoteClassName()).isEqualTo(IllegalStateException.class.getName());
      assertThat(e.remoteMessage()).isEqualTo("failed: in form " + compact);

      JvmProcess exiting = new JvmProcess(CompactLaunchTest::exitWith, 3);
      exiting.start().join();
      assertThat(exiting.exitCode()).hasValue(3);
    }
  }

  @Test
  void start_compactForm_childLoadsNoObjectInputStream() throws Exception {
    // Without the AOT cache, whose classes a JVM loads at start whether used or not.
    for (boolean compact : new boolean[] {true, false}) {
      CompactLaunch.enabled = compact;
      Path log = dir.resolve("classes-" + compact + ".log");
      JvmProcess p = new JvmProcess(CompactLaunchTest::exitWith, 0);
      p.setOptions(
          ProcessOptions.builder()
              .aotCache(false)
              .jvmOptions("-Xlog:class+load=info:file=" + log)
              .build());
      p.start().join();
      assertThat(p.exitCode()).hasValue(0);
      String classes = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(classes).contains(" " + JvmProcess.class.getName() + " ");
      if (compact) {
        assertThat(classes).doesNotContain(" java.io.ObjectInputStream ");
      } else {
        assertThat(classes).contains(" java.io.ObjectInputStream "); // the check can fail
      }
    }
  }

  // ------------------------------------------------------------- in this JVM: the form itself

  /** Records what a target got, in this JVM. */
  static volatile @Nullable List<@Nullable Object> got;

  static void keep(List<@Nullable Object> values) {
    got = values;
  }

  private static byte @Nullable [] encode(Object target) {
    return CompactLaunch.tryEncode("p", false, "1", null, target);
  }

  @Test
  void decode_everySimpleValue_keepsClassesAndContent() throws Exception {
    ProcessTarget.Arg1<List<@Nullable Object>> keep = CompactLaunchTest::keep;
    Object wrapped = Objects.requireNonNull(ChildMain.wrapWithArg(keep, values()));
    byte[] payload = Objects.requireNonNull(encode(wrapped));
    assertThat(CompactLaunch.isCompact(payload)).isTrue();
    CompactLaunch.Parts parts = CompactLaunch.decode(payload, ClassLoader.getSystemClassLoader());
    assertThat(parts.name()).isEqualTo("p");
    assertThat(parts.parentName()).isNull();
    parts.target().run();
    assertThat(describe(got)).isEqualTo(describe(values()));
  }

  /** A serializable value that is not one of the simple types. */
  record Point(int x, int y) implements Serializable {}

  static void takePoint(Point p) {}

  static void takeTwo(Object a, Object b) {}

  /** An instance method's target. */
  record Holder(String s) implements Serializable {
    void run() {}
  }

  @Test
  void tryEncode_whatDoesNotFit_returnsNullForSerialization() {
    ProcessTarget.Arg1<Point> point = CompactLaunchTest::takePoint;
    assertThat(encode(Objects.requireNonNull(ChildMain.wrapWithArg(point, new Point(1, 2)))))
        .isNull();
    ProcessTarget instance = new Holder("h")::run;
    assertThat(encode(instance)).isNull();
    byte[] shared = {1};
    byte[] same = shared;
    ProcessTarget twice = () -> takeTwo(shared, same);
    assertThat(encode(twice)).isNull(); // serialization keeps the one array
    List<String> fixedSize = Arrays.asList("a"); // serialization keeps its class
    ProcessTarget otherList = () -> takeTwo(fixedSize, "b");
    assertThat(encode(otherList)).isNull();
    String huge = "é".repeat(40_000); // 80,000 bytes of modified UTF-8
    ProcessTarget longString = () -> takeTwo(huge, "b");
    assertThat(encode(longString)).isNull();
    assertThat(CompactLaunch.tryEncode("p", false, "1", null, null)).isNull();
    List<@Nullable String> withNull =
        Stream.<@Nullable String>of("a", null).toList(); // List.of's class, a null
    ProcessTarget nullInImmutable = () -> takeTwo(withNull, "b");
    assertThat(encode(nullInImmutable)).isNull(); // List.of could not rebuild it in the child
    String fine = "ok";
    ProcessTarget simple = () -> takeTwo(fine, 1);
    assertThat(encode(simple)).isNotNull();
  }

  @Test
  void decode_methodMissing_throwsInvalidObjectNamingIt() throws Exception {
    ProcessTarget target = CompactLaunchTest::nothing;
    byte[] payload = Objects.requireNonNull(encode(target));
    String text = new String(payload, StandardCharsets.ISO_8859_1);
    byte[] renamed =
        text.replace("nothing", "nothinG").getBytes(StandardCharsets.ISO_8859_1); // same length
    assertThatThrownBy(() -> CompactLaunch.decode(renamed, ClassLoader.getSystemClassLoader()))
        .isInstanceOf(InvalidObjectException.class)
        .hasMessageContaining("CompactLaunchTest.nothinG");
  }

  @Test
  void decode_truncated_throwsIOException() {
    ProcessTarget target = CompactLaunchTest::nothing;
    byte[] payload = Objects.requireNonNull(encode(target));
    byte[] cut = Arrays.copyOf(payload, payload.length - 3);
    assertThatThrownBy(() -> CompactLaunch.decode(cut, ClassLoader.getSystemClassLoader()))
        .isInstanceOf(IOException.class);
  }
}
