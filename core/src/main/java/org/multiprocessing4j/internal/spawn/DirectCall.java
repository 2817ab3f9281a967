package org.multiprocessing4j.internal.spawn;

import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Calls a handle target's static method through one small class made for it, instead of a method
 * handle: the path of a cold child.
 *
 * <h2>Why</h2>
 *
 * A method handle bound to the target ({@code findStatic}, {@code insertArguments}, {@code asType})
 * has the JDK spin {@code LambdaForm} classes for the shapes it has not met: a target returning
 * {@code void} is not among the shapes the JDK's archive holds, and the JDK's AOT cache (JDK 25)
 * does not archive the forms a training run spun. A cold child so spun six such classes, with the
 * method handle machinery they need, for its target and the wrapper {@code JvmProcess} puts around
 * a target with arguments. One class per target, made with the class-file API (already in the
 * child's AOT cache, which the training child made through this path) and instantiated by a
 * constructor's reflection (whose method handle shape the JDK holds), costs a fraction of that.
 *
 * <h2>What the class does</h2>
 *
 * <pre>
 *   final class &lt;target class&gt;$$Mp4jCall implements Consumer {   // a hidden nestmate
 *     public void accept(Object o) {
 *       Object[] a = (Object[]) o;
 *       Target.method((P0) a[0], ((Integer) a[1]).intValue(), ...);  // result, if any, dropped
 *     }
 *   }
 * </pre>
 *
 * A nestmate of the target's class, so it may call a lambda's private body. Exceptions propagate
 * unwrapped, checked ones too. Arguments that go to a primitive parameter are first converted by
 * {@link #toParameter} as a method handle's {@code asType} would (unboxing, then a widening
 * conversion; {@code null} is a {@link NullPointerException}, another type a {@link
 * ClassCastException}); a reference parameter gets a {@code checkcast}.
 *
 * <h2>When not</h2>
 *
 * {@link #of} returns null, and the caller uses its method handle, when the class cannot be
 * defined: a target in a named module other than this library's (a lookup from another module has
 * no right to define classes there), or any other failure. Warm spare JVMs keep the method handle,
 * whose forms their warm-up has spun already: defining a class would be the slower path there.
 */
final class DirectCall {

  private DirectCall() {}

  /**
   * Returns a caller of {@code implClass.name(descriptor)} that takes all the method's arguments in
   * one array, or null if one cannot be made here.
   *
   * @param lookup a lookup on {@code implClass} with private access
   */
  static @Nullable Consumer<@Nullable Object[]> of(
      MethodHandles.Lookup lookup, Class<?> implClass, String name, String descriptor) {
    if (!lookup.hasFullPrivilegeAccess()) {
      return null; // another module's class: a hidden class cannot be defined there
    }
    try {
      // ConstantDescs first: initializing PrimitiveClassDescImpl before it fails (JDK 25).
      ClassDesc voidDesc = ConstantDescs.CD_void;
      MethodTypeDesc type = MethodTypeDesc.ofDescriptor(descriptor);
      byte[] bytes = classBytes(implClass, name, type, voidDesc);
      Class<?> c =
          lookup
              .defineHiddenClass(bytes, true, MethodHandles.Lookup.ClassOption.NESTMATE)
              .lookupClass();
      Constructor<?> constructor = c.getDeclaredConstructor();
      @SuppressWarnings("unchecked")
      Consumer<@Nullable Object[]> call = (Consumer<@Nullable Object[]>) constructor.newInstance();
      return call;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return null;
    }
  }

  private static byte[] classBytes(
      Class<?> implClass, String name, MethodTypeDesc type, ClassDesc voidDesc) {
    ClassDesc owner = ClassDesc.of(implClass.getName());
    ClassDesc self = ClassDesc.of(implClass.getName() + "$$Mp4jCall");
    MethodTypeDesc noArgs = MethodTypeDesc.of(voidDesc);
    return ClassFile.of()
        .build(
            self,
            cb -> {
              cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
              cb.withInterfaceSymbols(ClassDesc.of(Consumer.class.getName()));
              cb.withMethodBody(
                  ConstantDescs.INIT_NAME,
                  noArgs,
                  ClassFile.ACC_PUBLIC,
                  b ->
                      b.aload(0)
                          .invokespecial(ConstantDescs.CD_Object, ConstantDescs.INIT_NAME, noArgs)
                          .return_());
              cb.withMethodBody(
                  "accept",
                  MethodTypeDesc.of(voidDesc, ConstantDescs.CD_Object),
                  ClassFile.ACC_PUBLIC,
                  b -> {
                    b.aload(1).checkcast(ConstantDescs.CD_Object.arrayType()).astore(2);
                    for (int i = 0; i < type.parameterCount(); i++) {
                      b.aload(2).loadConstant(i).aaload();
                      ClassDesc p = type.parameterType(i);
                      if (p.isPrimitive()) {
                        ClassDesc wrapper = ClassDesc.of(wrapperOf(p).getName());
                        String unbox = primitiveName(p) + "Value";
                        b.checkcast(wrapper).invokevirtual(wrapper, unbox, MethodTypeDesc.of(p));
                      } else if (!p.equals(ConstantDescs.CD_Object)) {
                        b.checkcast(p);
                      }
                    }
                    b.invokestatic(owner, name, type, implClass.isInterface());
                    ClassDesc r = type.returnType();
                    if (r.equals(ConstantDescs.CD_long) || r.equals(ConstantDescs.CD_double)) {
                      b.pop2();
                    } else if (!r.equals(voidDesc)) {
                      b.pop();
                    }
                    b.return_();
                  });
            });
  }

  private static String primitiveName(ClassDesc p) {
    return switch (p.descriptorString()) {
      case "Z" -> "boolean";
      case "B" -> "byte";
      case "C" -> "char";
      case "S" -> "short";
      case "I" -> "int";
      case "J" -> "long";
      case "F" -> "float";
      case "D" -> "double";
      default -> throw new IllegalArgumentException("not a value type: " + p);
    };
  }

  private static Class<?> wrapperOf(ClassDesc p) {
    return switch (p.descriptorString()) {
      case "Z" -> Boolean.class;
      case "B" -> Byte.class;
      case "C" -> Character.class;
      case "S" -> Short.class;
      case "I" -> Integer.class;
      case "J" -> Long.class;
      case "F" -> Float.class;
      case "D" -> Double.class;
      default -> throw new IllegalArgumentException("not a value type: " + p);
    };
  }

  /**
   * Converts an argument for a parameter of type {@code p} as a method handle's {@code asType} from
   * {@code Object} does: a primitive parameter gets its own wrapper, from a wrapper whose value
   * widens to it; anything else is returned as it is (the class's {@code checkcast} checks it).
   *
   * @throws NullPointerException if {@code value} is null and {@code p} is primitive
   * @throws ClassCastException if {@code value} cannot become a {@code p}
   */
  static @Nullable Object toParameter(@Nullable Object value, Class<?> p) {
    if (!p.isPrimitive()) {
      return value;
    }
    if (value == null) {
      throw new NullPointerException("null for a parameter of type " + p.getName());
    }
    if (p == boolean.class) {
      if (value instanceof Boolean) {
        return value;
      }
    } else if (p == char.class) {
      if (value instanceof Character) {
        return value;
      }
    } else if (value instanceof Character c) {
      return widen(c.charValue(), p, value);
    } else if (value instanceof Number n && rank(n) >= 0 && rank(n) <= rankOf(p)) {
      return widen(n, p);
    }
    throw new ClassCastException(
        "Cannot cast " + value.getClass().getName() + " to " + p.getName());
  }

  /** byte 0, short 1, int 2, long 3, float 4, double 5; -1 for another {@code Number}. */
  private static int rank(Number n) {
    if (n instanceof Byte) {
      return 0;
    } else if (n instanceof Short) {
      return 1;
    } else if (n instanceof Integer) {
      return 2;
    } else if (n instanceof Long) {
      return 3;
    } else if (n instanceof Float) {
      return 4;
    } else if (n instanceof Double) {
      return 5;
    }
    return -1;
  }

  private static int rankOf(Class<?> p) {
    if (p == byte.class) {
      return 0;
    } else if (p == short.class) {
      return 1;
    } else if (p == int.class) {
      return 2;
    } else if (p == long.class) {
      return 3;
    } else if (p == float.class) {
      return 4;
    }
    return 5; // double
  }

  private static Object widen(Number n, Class<?> p) {
    if (p == byte.class) {
      return n.byteValue();
    } else if (p == short.class) {
      return n.shortValue();
    } else if (p == int.class) {
      return n.intValue();
    } else if (p == long.class) {
      return n.longValue();
    } else if (p == float.class) {
      return n.floatValue();
    }
    return n.doubleValue();
  }

  /** A {@code char} widens to {@code int}, {@code long}, {@code float} and {@code double} only. */
  private static Object widen(char c, Class<?> p, Object value) {
    if (p == byte.class || p == short.class) {
      throw new ClassCastException(
          "Cannot cast " + value.getClass().getName() + " to " + p.getName());
    }
    return widen((int) c, p);
  }
}
