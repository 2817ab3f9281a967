package org.multiprocessing4j.internal.spawn;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.ProcessTarget;
import org.multiprocessing4j.internal.codec.JavaSerialization;

/**
 * A process target that was a serializable lambda or static method reference, sent to the child as
 * a reference to its implementation method rather than as the lambda itself, so that the child
 * calls that method (see "How the child calls it") instead of re-creating the lambda.
 *
 * <h2>Why</h2>
 *
 * A deserialized lambda is re-created by its capturing class's {@code $deserializeLambda$}, reached
 * by reflection, whose {@code invokedynamic} has {@code LambdaMetafactory} spin and define a new
 * hidden class; reflecting on the capturing class also loads the types of all its methods, and the
 * hidden class loads the nest host. In a warm spare JVM (everything else warmed up) that was most
 * of the time from LAUNCH to STARTED: several milliseconds, on every start, for a class that no
 * warm-up can spin before the target is known. A method handle to a static method is found in tens
 * of microseconds once the method handle machinery is warm.
 *
 * <h2>What is replaced</h2>
 *
 * In the parent, {@link #replace} sees every object of the process's serialized graph after its
 * {@code writeReplace}, so a lambda arrives as its {@link SerializedLambda}. It is replaced when
 * its functional interface is one of {@link ProcessTarget}'s three, its implementation is a static
 * method ({@code Demo::task}, or a lambda that does not capture {@code this}), and that method's
 * package is open to this module (always so on the class path). Anything else (instance method
 * references, lambdas of other interfaces, code in a named module that does not open its package)
 * travels as before. The wrappers {@code JvmProcess} puts around a target with arguments are such
 * lambdas too, and the user's lambda inside them is replaced in turn; the wrapper then receives a
 * {@code HandleTarget} where it expected the user's lambda, which is why this class implements all
 * three interfaces.
 *
 * <h2>How the child calls it</h2>
 *
 * A cold child calls the method without a method handle: through one small class made for it
 * ({@link DirectCall}), or, for the wrapper {@code JvmProcess} puts around a target with arguments,
 * by calling the wrapped target itself as the wrapper would ({@link #wrapperArity}). A method
 * handle bound to the target had the JDK spin six {@code LambdaForm} classes at each cold start,
 * which the AOT cache does not hold. A warm spare, whose warm-up has spun those forms already,
 * binds the method handle; so does a cold child when the class cannot be made (a target in another
 * named module). The method is found with {@code findStatic} in every case, so a missing method
 * fails the load as before.
 *
 * <h2>Spares resolve recent targets ahead</h2>
 *
 * The parent remembers the methods of its latest handle targets ({@link #recentTargets}); a warm
 * spare launched afterwards gets them on its command line and, while it waits, loads their classes
 * and resolves the methods ({@link #resolveAhead}) without initializing anything, so that a target
 * started again finds its class loaded. A spare taken for another target has only done some work
 * for nothing.
 *
 * <h2>Failure</h2>
 *
 * The method is resolved while the child deserializes the process object, before it reports
 * STARTED, so a target whose class or method is missing in the child fails {@code start()} as a
 * lambda that cannot be re-created does. Exceptions of the target propagate unwrapped; the stack
 * trace shows the implementation method (the lambda's body) called from {@link #run()}.
 */
public final class HandleTarget
    implements ProcessTarget, ProcessTarget.Arg1<Object>, ProcessTarget.Arg2<Object, Object> {
  @Serial private static final long serialVersionUID = 1L;

  private static final String TARGET = "org/multiprocessing4j/ProcessTarget";
  private static final String ARG1 = "org/multiprocessing4j/ProcessTarget$Arg1";
  private static final String ARG2 = "org/multiprocessing4j/ProcessTarget$Arg2";

  /** How many {@link #recentTargets} are kept. */
  private static final int RECENT_MAX = 8;

  private static final LinkedHashSet<String> RECENT = new LinkedHashSet<>(); // guarded by itself

  private final Class<?> implClass;
  private final String implMethodName;
  private final String implMethodSignature;
  private final @Nullable Object[] capturedArgs;

  /** How many arguments {@code run} takes: 0, 1 or 2, after the functional interface. */
  private final int arity;

  /**
   * The implementation method with the captured arguments bound; set when deserialized, unless
   * {@link #direct} is.
   */
  private transient @Nullable MethodHandle handle;

  /**
   * The implementation method called through a class made for it ({@link DirectCall}), taking the
   * captured and the call's arguments in one array; set when deserialized in a cold child.
   */
  private transient @Nullable Consumer<@Nullable Object[]> direct;

  /**
   * Set instead of {@link #direct} when the method is {@code JvmProcess}'s wrapper around a target
   * with one ({@code 1}) or two ({@code 2}) arguments, which this class calls as the wrapper would;
   * else 0.
   */
  private transient int forward;

  /** With {@link #direct} or {@link #forward}: the method's parameter types. */
  private transient Class<?> @Nullable [] parameterTypes;

  /**
   * With {@link #direct} or {@link #forward}: the captured arguments converted to their parameters'
   * types; set when this target is called without a method handle.
   */
  private transient @Nullable Object @Nullable [] bound;

  private HandleTarget(
      Class<?> implClass,
      String implMethodName,
      String implMethodSignature,
      @Nullable Object[] capturedArgs,
      int arity) {
    this.implClass = implClass;
    this.implMethodName = implMethodName;
    this.implMethodSignature = implMethodSignature;
    this.capturedArgs = capturedArgs;
    this.arity = arity;
  }

  /**
   * Serializes a process object for LAUNCH, its qualifying lambdas replaced by handle targets.
   *
   * @param process the process object
   * @param what how to name it in an error
   * @return the payload
   * @throws org.multiprocessing4j.UnserializableValueException if something in it is not
   *     serializable
   */
  public static byte[] serializeProcess(JvmProcess process, String what) {
    return JavaSerialization.serialize(process, what, HandleTarget::replace);
  }

  /**
   * Returns the LAUNCH payload of a plain {@code JvmProcess} (not a subclass) in the compact form
   * ({@link CompactLaunch}), or null if its target does not fit that form and the process must be
   * sent with {@link #serializeProcess}.
   *
   * @param target the process's target
   * @return the payload, or null
   */
  public static byte @Nullable [] compactLaunch(
      String name,
      boolean daemon,
      String identity,
      @Nullable String parentName,
      @Nullable ProcessTarget target) {
    return CompactLaunch.enabled
        ? CompactLaunch.tryEncode(name, daemon, identity, parentName, target)
        : null;
  }

  /**
   * The substitution to serialize a process object with: returns a {@code HandleTarget} for a
   * {@link SerializedLambda} that qualifies (see the class comment), else {@code object} itself.
   *
   * @param object an object of the graph being written
   * @return what to write
   */
  static Object replace(Object object) {
    if (!(object instanceof SerializedLambda lambda)
        || lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic) {
      return object;
    }
    String fn = lambda.getFunctionalInterfaceClass();
    if (!fn.equals(TARGET) && !fn.equals(ARG1) && !fn.equals(ARG2)) {
      return object;
    }
    Class<?> impl = implClassOf(lambda);
    if (impl == null || !impl.getModule().isOpen(impl.getPackageName(), ourModule())) {
      return object;
    }
    @Nullable Object[] captured = new @Nullable Object[lambda.getCapturedArgCount()];
    for (int i = 0; i < captured.length; i++) {
      captured[i] = lambda.getCapturedArg(i);
    }
    remember(impl, lambda);
    int arity = fn.equals(TARGET) ? 0 : fn.equals(ARG1) ? 1 : 2;
    return new HandleTarget(
        impl, lambda.getImplMethodName(), lambda.getImplMethodSignature(), captured, arity);
  }

  /**
   * Returns the methods of the latest targets sent as handles, newest last, as {@code <class>
   * <method> <descriptor>} entries joined by commas: what a new warm spare resolves ahead ({@link
   * #resolveAhead}), since a program tends to start the same targets again.
   *
   * @return the entries, or an empty string
   */
  static String recentTargets() {
    synchronized (RECENT) {
      return String.join(",", RECENT);
    }
  }

  /**
   * Loads the classes of {@link #recentTargets} entries and resolves their methods, without
   * initializing anything (no static initializer runs before a process needs it); an entry that
   * does not resolve is skipped.
   *
   * @param entries what {@link #recentTargets} returned in the parent
   * @param loader the loader to load the classes with
   */
  static void resolveAhead(String entries, ClassLoader loader) {
    for (String entry : entries.split(",", -1)) {
      String[] f = entry.split(" ", -1);
      if (f.length != 3) {
        continue;
      }
      try {
        Class<?> c = Class.forName(f[0], false, loader);
        MethodType type = MethodType.fromMethodDescriptorString(f[2], c.getClassLoader());
        var unused =
            MethodHandles.privateLookupIn(c, MethodHandles.lookup()).findStatic(c, f[1], type);
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        // The process that needs it reports its own error.
      }
    }
  }

  private static void remember(Class<?> impl, SerializedLambda lambda) {
    String entry =
        impl.getName() + " " + lambda.getImplMethodName() + " " + lambda.getImplMethodSignature();
    if (entry.indexOf(',') >= 0) {
      return;
    }
    synchronized (RECENT) {
      RECENT.remove(entry);
      RECENT.add(entry);
      if (RECENT.size() > RECENT_MAX) {
        RECENT.remove(RECENT.getFirst());
      }
    }
  }

  private static @Nullable Class<?> implClassOf(SerializedLambda lambda) {
    String name = lambda.getImplClass().replace('/', '.');
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader loader : new ClassLoader[] {context, ClassLoader.getSystemClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // Try the next loader; failing all, the lambda travels as it is.
      }
    }
    return null;
  }

  private static Module ourModule() {
    return HandleTarget.class.getModule();
  }

  /**
   * Set while a child reads its parent's LAUNCH frame (and while a spare warms up that path): the
   * only stream a {@code HandleTarget} is accepted from. Anywhere else (a queue, a pipe, the
   * broker) it would let the sender name any static method on the class path to be run with
   * arguments of its choosing, which a serialized lambda cannot: its capturing class's {@code
   * $deserializeLambda$} accepts only the lambdas that class declares.
   */
  private static final ThreadLocal<Boolean> FROM_PARENT = new ThreadLocal<>();

  /**
   * Deserializes what the parent sent to launch a process, accepting {@code HandleTarget}s in it.
   *
   * @throws java.io.IOException if the bytes cannot be read back
   * @throws ClassNotFoundException if a class is missing here
   */
  static Object readFromParent(byte[] payload, ClassLoader loader)
      throws java.io.IOException, ClassNotFoundException {
    FROM_PARENT.set(Boolean.TRUE);
    try {
      return JavaSerialization.deserialize(payload, loader);
    } finally {
      FROM_PARENT.remove();
    }
  }

  @Serial
  private void readObject(ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    if (FROM_PARENT.get() == null) {
      throw new InvalidObjectException(
          "a process target sent as a method handle is accepted only in the parent's launch"
              + " message, not from a queue, a pipe or the broker");
    }
    in.defaultReadObject();
    resolve();
  }

  /**
   * Makes a handle target in the child from the parts of a compact LAUNCH ({@link CompactLaunch}),
   * resolved as a deserialized one is.
   *
   * @throws InvalidObjectException if the method cannot be resolved here, naming it
   */
  static HandleTarget resolved(
      Class<?> implClass,
      String implMethodName,
      String implMethodSignature,
      @Nullable Object[] capturedArgs,
      int arity)
      throws InvalidObjectException {
    HandleTarget t =
        new HandleTarget(implClass, implMethodName, implMethodSignature, capturedArgs, arity);
    t.resolve();
    return t;
  }

  /** Finds the implementation method and binds the captured arguments to it. */
  private void resolve() throws InvalidObjectException {
    try {
      Module ours = ourModule();
      if (ours.isNamed() && !ours.canRead(implClass.getModule())) {
        ours.addReads(implClass.getModule());
      }
      MethodHandles.Lookup lookup =
          MethodHandles.privateLookupIn(implClass, MethodHandles.lookup());
      MethodType type =
          MethodType.fromMethodDescriptorString(implMethodSignature, implClass.getClassLoader());
      // Fixed arity: a varargs method takes its array as the lambda passes it, not collected anew.
      MethodHandle found = lookup.findStatic(implClass, implMethodName, type).asFixedArity();
      if (arity < 0 || arity > 2 || capturedArgs.length + arity != type.parameterCount()) {
        throw new IllegalArgumentException(
            capturedArgs.length
                + " captured and "
                + arity
                + " call arguments for "
                + type.parameterCount()
                + " parameters");
      }
      // In a cold child, a class made for the call rather than a method handle bound to it, whose
      // LambdaForm classes would be spun here (see DirectCall); a warm spare has spun them ahead.
      boolean spare = Boolean.getBoolean(ChildMain.SPARE_PROPERTY);
      int wrapper = spare ? 0 : wrapperArity(implClass, implMethodName, implMethodSignature);
      Consumer<@Nullable Object[]> call =
          spare || wrapper != 0
              ? null
              : DirectCall.of(lookup, implClass, implMethodName, implMethodSignature);
      if (call != null || wrapper != 0) {
        Class<?>[] params = type.parameterArray();
        @Nullable Object[] converted = new @Nullable Object[capturedArgs.length];
        for (int i = 0; i < converted.length; i++) {
          converted[i] = DirectCall.toParameter(capturedArgs[i], params[i]);
        }
        parameterTypes = params;
        forward = wrapper;
        direct = call;
        bound = converted;
        return;
      }
      // Bound and adapted once here, so that a call is one invokeExact of a fixed shape. The
      // conversions (casts, unboxing) are those the lambda would make.
      handle =
          MethodHandles.insertArguments(found, 0, capturedArgs)
              .asType(MethodType.genericMethodType(arity).changeReturnType(void.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      InvalidObjectException failure =
          new InvalidObjectException(
              "cannot resolve the process target "
                  + implClass.getName()
                  + "."
                  + implMethodName
                  + implMethodSignature
                  + " in this JVM: "
                  + e);
      failure.initCause(e);
      throw failure;
    }
  }

  /**
   * Whether this target calls its method without a method handle: through a class made for it
   * ({@link DirectCall}), or as {@code JvmProcess}'s wrapper would.
   */
  boolean callsDirectly() {
    return bound != null;
  }

  private static final String WITH_ARG = "(L" + ARG1 + ";Ljava/lang/Object;)V";
  private static final String WITH_ARGS = "(L" + ARG2 + ";Ljava/lang/Object;Ljava/lang/Object;)V";

  /**
   * Returns 1 or 2 if the method is the lambda {@code JvmProcess} wraps around a target with one or
   * two arguments ({@code () -> target.run(arg)}), else 0: such a wrapper is called by a plain call
   * of its target, saving a class made for it.
   */
  static int wrapperArity(Class<?> implClass, String name, String descriptor) {
    if (implClass != JvmProcess.class) {
      return 0;
    } else if (name.startsWith("lambda$withArg$") && descriptor.equals(WITH_ARG)) {
      return 1;
    } else if (name.startsWith("lambda$withArgs$") && descriptor.equals(WITH_ARGS)) {
      return 2;
    }
    return 0;
  }

  Class<?> implClass() {
    return implClass;
  }

  String implMethodName() {
    return implMethodName;
  }

  String implMethodSignature() {
    return implMethodSignature;
  }

  /** Returns the captured arguments themselves (not a copy): the caller must not change them. */
  @Nullable Object[] capturedArgs() {
    return capturedArgs;
  }

  @Override
  public void run() throws Exception {
    if (bound != null) {
      callDirect(0, null, null);
      return;
    }
    try {
      handle(0).invokeExact();
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new UndeclaredThrowableException(t);
    }
  }

  @Override
  public void run(Object a) throws Exception {
    if (bound != null) {
      callDirect(1, a, null);
      return;
    }
    try {
      handle(1).invokeExact(a);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new UndeclaredThrowableException(t);
    }
  }

  @Override
  public void run(Object a, Object b) throws Exception {
    if (bound != null) {
      callDirect(2, a, b);
      return;
    }
    try {
      handle(2).invokeExact(a, b);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new UndeclaredThrowableException(t);
    }
  }

  /**
   * Calls the method through {@link #direct} with the captured arguments and the first {@code
   * callArity} of {@code a} and {@code b}, converted as the method handle would; exceptions of the
   * method propagate unwrapped.
   */
  private void callDirect(int callArity, @Nullable Object a, @Nullable Object b) throws Exception {
    Class<?>[] params = parameterTypes;
    @Nullable Object[] captured = bound;
    if (params == null || captured == null) {
      throw new IllegalStateException("a HandleTarget runs only after it was deserialized");
    }
    if (callArity != arity) {
      throw new IllegalStateException(
          this + " takes " + arity + " arguments; it was called with " + callArity);
    }
    @Nullable Object[] all = Arrays.copyOf(captured, captured.length + arity);
    if (arity > 0) {
      all[captured.length] = DirectCall.toParameter(a, params[captured.length]);
    }
    if (arity > 1) {
      all[captured.length + 1] = DirectCall.toParameter(b, params[captured.length + 1]);
    }
    if (forward != 0) {
      forward(forward, all);
      return;
    }
    Consumer<@Nullable Object[]> call = direct;
    if (call == null) {
      throw new IllegalStateException("a HandleTarget runs only after it was deserialized");
    }
    try {
      call.accept(all);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new UndeclaredThrowableException(t);
    }
  }

  /**
   * Does what {@code JvmProcess}'s wrapper does: {@code target.run(arg)} or {@code target.run(a,
   * b)}, with the target and the arguments it captured (which may be null, as they were given).
   */
  @SuppressWarnings({"unchecked", "NullAway"})
  private static void forward(int arity, @Nullable Object[] all) throws Exception {
    Object target = Objects.requireNonNull(all[0]);
    if (arity == 1) {
      ((ProcessTarget.Arg1<Object>) target).run(all[1]);
    } else {
      ((ProcessTarget.Arg2<Object, Object>) target).run(all[1], all[2]);
    }
  }

  /**
   * Returns the bound handle, checking that it is called with as many arguments as the lambda's
   * interface takes (this class implements all three interfaces).
   */
  private MethodHandle handle(int callArity) {
    MethodHandle h = handle;
    if (h == null) {
      throw new IllegalStateException("a HandleTarget runs only after it was deserialized");
    }
    if (callArity != arity) {
      throw new IllegalStateException(
          this + " takes " + arity + " arguments; it was called with " + callArity);
    }
    return h;
  }

  /**
   * Returns how many arguments {@code run} takes: 0 for a {@link ProcessTarget}, 1 for an {@link
   * ProcessTarget.Arg1}, 2 for an {@link ProcessTarget.Arg2}.
   *
   * @return the arity
   */
  int arity() {
    return arity;
  }

  @Override
  public String toString() {
    return implClass.getName()
        + "::"
        + implMethodName
        + (capturedArgs.length == 0 ? "" : " with " + Arrays.toString(capturedArgs));
  }
}
