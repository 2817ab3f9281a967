package org.multiprocessing4j.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.ChildCleanup;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessOptions;
import org.multiprocessing4j.ProcessStartException;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.internal.codec.JavaSerialization;

/**
 * {@link HandleTarget}: a lambda or static method reference target reaches the child as a method
 * handle, without its lambda being re-created there; what does not qualify travels as before; a
 * target that cannot be resolved in the child fails {@code start()}.
 */
@ExtendWith(ChildCleanup.class)
class HandleTargetTest {

  @TempDir Path dir;

  /** Where targets are written; initializing it marks this JVM, so a child can tell. */
  static final class Capturer {
    static {
      System.setProperty("mp4j.test.capturerInitialized", "true");
    }

    private Capturer() {}

    static ProcessTarget.Arg2<String, Integer> reportTarget() {
      return HandleTargetTest::report;
    }

    static ProcessTarget lambdaTarget(String file) {
      return () -> report(file, 7);
    }
  }

  /** Writes what the child saw: its argument, and whether the capturing class was initialized. */
  static void report(String file, int number) throws IOException {
    String initialized = System.getProperty("mp4j.test.capturerInitialized", "no");
    Path tmp = Path.of(file + ".tmp");
    Files.writeString(tmp, number + " " + initialized, StandardCharsets.UTF_8);
    Files.move(tmp, Path.of(file));
  }

  private String runAndRead(JvmProcess p, Path out) throws Exception {
    p.start().join();
    assertThat(p.exitCode()).hasValue(0);
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  @Test
  void start_staticMethodReferenceWithArgs_runsWithoutTheCapturingClass() throws Exception {
    Path out = dir.resolve("ref");
    // The boxed Integer is unboxed for report(String, int), as the lambda would.
    JvmProcess p = new JvmProcess(Capturer.reportTarget(), out.toString(), 42);
    // Re-creating the lambda runs the capturing class's $deserializeLambda$, which initializes it.
    assertThat(runAndRead(p, out)).isEqualTo("42 no");
  }

  @Test
  void start_lambdaCapturingValues_runsAsAHandle() throws Exception {
    Path out = dir.resolve("lambda");
    ProcessTarget target = Capturer.lambdaTarget(out.toString());
    assertThat(HandleTarget.replace(serializedForm(target))).isInstanceOf(HandleTarget.class);
    // A lambda's body is a method of its capturing class, so here that class is initialized.
    assertThat(runAndRead(new JvmProcess(target), out)).isEqualTo("7 true");
  }

  /** A serializable object whose instance method is a target. */
  record Reporter(String file) implements Serializable {
    void report() throws IOException {
      HandleTargetTest.report(file, 3);
    }
  }

  @Test
  void start_instanceMethodReference_travelsAsALambdaAndRuns() throws Exception {
    Path out = dir.resolve("instance");
    Reporter reporter = new Reporter(out.toString());
    ProcessTarget target = reporter::report;
    assertThat(HandleTarget.replace(serializedForm(target))).isNotInstanceOf(HandleTarget.class);
    assertThat(runAndRead(new JvmProcess(target), out)).startsWith("3 ");
  }

  @Test
  void replace_otherFunctionalInterface_isLeftAlone() throws Exception {
    Runnable plain = (Runnable & Serializable) HandleTargetTest::nothing;
    Object form = serializedForm(plain);
    assertThat(HandleTarget.replace(form)).isSameAs(form);
    assertThat(HandleTarget.replace("text")).isEqualTo("text");
  }

  static void nothing() {}

  private static Object serializedForm(Object lambda) throws Exception {
    java.lang.reflect.Method writeReplace = lambda.getClass().getDeclaredMethod("writeReplace");
    writeReplace.setAccessible(true);
    return writeReplace.invoke(lambda);
  }

  private static HandleTarget bogus(String methodName, int arity) throws Exception {
    Constructor<HandleTarget> c =
        HandleTarget.class.getDeclaredConstructor(
            Class.class, String.class, String.class, Object[].class, int.class);
    c.setAccessible(true);
    return c.newInstance(
        HandleTargetTest.class, methodName, "(Ljava/lang/String;I)V", new Object[0], arity);
  }

  @Test
  void deserialize_methodMissing_throwsInvalidObjectNamingIt() throws Exception {
    byte[] bytes = JavaSerialization.serialize(bogus("noSuchMethod", 2), "test");
    assertThatThrownBy(() -> HandleTarget.readFromParent(bytes, ClassLoader.getSystemClassLoader()))
        .isInstanceOf(InvalidObjectException.class)
        .hasMessageContaining("HandleTargetTest.noSuchMethod");
  }

  @Test
  void deserialize_outsideTheLaunchMessage_isRefused() throws Exception {
    // From a queue, a pipe or the broker, a HandleTarget would run any static method it names.
    byte[] bytes = JavaSerialization.serialize(bogus("report", 2), "test");
    assertThatThrownBy(
            () -> JavaSerialization.deserialize(bytes, ClassLoader.getSystemClassLoader()))
        .isInstanceOf(InvalidObjectException.class)
        .hasMessageContaining("only in the parent's launch message");
  }

  /** Counts its arguments: a varargs target must get the array it was given, as it is. */
  static void countArgs(String... args) {
    reported = args.length + ":" + String.join(",", args);
  }

  static volatile String reported = "";

  @Test
  void varargsMethodReference_getsItsArrayAsItIs() throws Exception {
    ProcessTarget.Arg1<String[]> target = HandleTargetTest::countArgs;
    byte[] bytes = JavaSerialization.serialize(target, "test", HandleTarget::replace);
    @SuppressWarnings("unchecked")
    ProcessTarget.Arg1<String[]> copy =
        (ProcessTarget.Arg1<String[]>)
            HandleTarget.readFromParent(bytes, ClassLoader.getSystemClassLoader());
    assertThat(copy).isInstanceOf(HandleTarget.class);
    copy.run(new String[] {"a", "b"});
    assertThat(reported).isEqualTo("2:a,b");
  }

  @Test
  void run_wrongNumberOfArguments_throwsIllegalState() throws Exception {
    byte[] bytes = JavaSerialization.serialize(bogus("report", 2), "test");
    HandleTarget t =
        (HandleTarget) HandleTarget.readFromParent(bytes, ClassLoader.getSystemClassLoader());
    assertThat(t.arity()).isEqualTo(2);
    assertThatThrownBy(t::run)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("takes 2 arguments");
  }

  @Test
  void spare_launchedAfterAStart_resolvesThatTargetAhead() throws Exception {
    ProcessOptions options = ProcessOptions.builder().warmSpares(1).build();
    List<Long> spares = new ArrayList<>();
    try {
      Path out = dir.resolve("first");
      JvmProcess first = new JvmProcess(Capturer.reportTarget(), out.toString(), 1);
      first.setOptions(options);
      assertThat(runAndRead(first, out)).isEqualTo("1 no");
      assertThat(WarmSpares.awaitFull(WarmSpareTest.CHILD_BOUND)).isTrue();
      spares.addAll(WarmSpares.idlePids());
      assertThat(spares).hasSize(1);
      String[] args =
          ProcessHandle.of(spares.getFirst())
              .flatMap(h -> h.info().arguments())
              .orElseThrow(() -> new AssertionError("no command line for the spare"));
      assertThat(args)
          .anySatisfy(
              a ->
                  assertThat(a)
                      .startsWith("-D" + ChildMain.RECENT_TARGETS_PROPERTY + "=")
                      .contains(
                          HandleTargetTest.class.getName() + " report (Ljava/lang/String;I)V"));
      Path second = dir.resolve("second");
      JvmProcess p = new JvmProcess(Capturer.reportTarget(), second.toString(), 2);
      p.setOptions(options);
      assertThat(runAndRead(p, second)).isEqualTo("2 no");
      assertThat(p.pid()).isEqualTo(spares.getFirst());
    } finally {
      spares.addAll(WarmSpares.idlePids());
      WarmSpares.closeAll();
      for (long pid : spares) {
        await().atMost(WarmSpareTest.CHILD_BOUND).until(() -> WarmSpareTest.isDead(pid));
      }
    }
  }

  @Test
  void start_targetMethodMissingInChild_startFailsNamingIt() throws Exception {
    JvmProcess p = new JvmProcess((ProcessTarget) bogus("noSuchMethod", 0));
    assertThatThrownBy(p::start)
        .isInstanceOf(ProcessStartException.class)
        .hasMessageContaining("could not load its target")
        .hasMessageContaining("noSuchMethod");
  }

  // ------------------------------------- a cold child's path: a class made for the call

  static volatile long widened;

  static void takesLong(long value) {
    widened = value;
  }

  static long returnsLong(String text, int number) {
    reported = text + number;
    return 42L;
  }

  static void throwsChecked(String message) throws IOException {
    throw new IOException(message);
  }

  private static HandleTarget resolved(
      String method, String descriptor, @Nullable Object[] captured, int arity) throws Exception {
    return HandleTarget.resolved(HandleTargetTest.class, method, descriptor, captured, arity);
  }

  @Test
  @SuppressWarnings("NullAway") // a null for a primitive parameter, on purpose
  void direct_primitiveParameter_unboxesAndWidensAsTheMethodHandleWould() throws Exception {
    HandleTarget t = resolved("takesLong", "(J)V", new Object[0], 1);
    assertThat(t.callsDirectly()).isTrue(); // not a spare: no method handle is bound
    t.run((short) 5);
    assertThat(widened).isEqualTo(5L);
    t.run('A');
    assertThat(widened).isEqualTo(65L);
    t.run(7);
    assertThat(widened).isEqualTo(7L);
    assertThatThrownBy(() -> t.run(1.5)).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> t.run("8")).isInstanceOf(ClassCastException.class);
    assertThatThrownBy(() -> t.run((Object) null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void direct_capturedAndCallArguments_reachTheMethodAndItsResultIsDropped() throws Exception {
    HandleTarget t = resolved("returnsLong", "(Ljava/lang/String;I)J", new Object[] {"n="}, 1);
    assertThat(t.callsDirectly()).isTrue();
    t.run(Integer.valueOf(3));
    assertThat(reported).isEqualTo("n=3");
    assertThatThrownBy(t::run)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("takes 1 arguments");
    // A captured value that does not fit its parameter fails the resolution, as a bound handle's.
    assertThatThrownBy(
            () -> resolved("returnsLong", "(Ljava/lang/String;I)J", new Object[] {"n=", "x"}, 0))
        .isInstanceOf(InvalidObjectException.class);
  }

  @Test
  void wrapperArity_recognizesJvmProcessWrappersOnly() throws Exception {
    ProcessTarget.Arg1<String> one = HandleTargetTest::throwsChecked;
    Object wrapped = Objects.requireNonNull(ChildMain.wrapWithArg(one, "boom"));
    byte[] bytes = JavaSerialization.serialize(wrapped, "test", HandleTarget::replace);
    ProcessTarget copy =
        (ProcessTarget) HandleTarget.readFromParent(bytes, ClassLoader.getSystemClassLoader());
    assertThat(copy).isInstanceOf(HandleTarget.class);
    HandleTarget t = (HandleTarget) copy;
    assertThat(
            HandleTarget.wrapperArity(t.implClass(), t.implMethodName(), t.implMethodSignature()))
        .isEqualTo(1);
    assertThat(t.callsDirectly()).isTrue();
    // The wrapper calls its target, which throws: unwrapped, as through the lambda.
    assertThatThrownBy(copy::run).isExactlyInstanceOf(IOException.class).hasMessage("boom");
    assertThat(
            HandleTarget.wrapperArity(
                HandleTargetTest.class,
                "lambda$withArg$1",
                "(Lorg/multiprocessing4j/ProcessTarget$Arg1;Ljava/lang/Object;)V"))
        .isZero();
  }

  @Test
  void direct_checkedException_propagatesUnwrapped() throws Exception {
    HandleTarget t = resolved("throwsChecked", "(Ljava/lang/String;)V", new Object[] {"boom"}, 0);
    assertThat(t.callsDirectly()).isTrue();
    assertThatThrownBy(t::run).isExactlyInstanceOf(IOException.class).hasMessage("boom");
  }

  @Test
  void start_coldChild_callsItsTargetThroughAMadeClassWithItsArguments() throws Exception {
    Path out = dir.resolve("direct");
    Path log = dir.resolve("classes.log");
    JvmProcess p = new JvmProcess(Capturer.reportTarget(), out.toString(), 9);
    p.setOptions(ProcessOptions.builder().jvmOptions("-Xlog:class+load=info:file=" + log).build());
    assertThat(runAndRead(p, out)).isEqualTo("9 no");
    String classes = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(classes).contains(HandleTargetTest.class.getName() + "$$Mp4jCall");
    // JvmProcess's wrapper around a target with arguments is called without a class of its own.
    assertThat(classes).doesNotContain(JvmProcess.class.getName() + "$$Mp4jCall");
  }
}
