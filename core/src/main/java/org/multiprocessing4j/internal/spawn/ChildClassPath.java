package org.multiprocessing4j.internal.spawn;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a child finds its classes: this JVM's class path followed by the extra entries, and this
 * JVM's module path when the library runs as a named module.
 *
 * @param classPath the {@code -cp} value, possibly empty
 * @param modulePath the {@code --module-path} value, or null when the library is not a named module
 * @param moduleName the library's module name, when {@code modulePath} is set
 */
record ChildClassPath(String classPath, @Nullable String modulePath, @Nullable String moduleName) {

  /** Resolves the child's paths for the given extra class path entries. */
  static ChildClassPath of(List<Path> extraClassPath) {
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path", ""));
    for (Path p : extraClassPath) {
      if (!cp.isEmpty()) {
        cp.append(File.pathSeparatorChar);
      }
      cp.append(p);
    }
    Module module = ChildClassPath.class.getModule();
    String modulePath = System.getProperty("jdk.module.path");
    if (module.isNamed() && modulePath != null) {
      return new ChildClassPath(cp.toString(), modulePath, module.getName());
    }
    return new ChildClassPath(cp.toString(), null, null);
  }

  /**
   * Returns the options from {@code -cp} to the main class: {@code -cp <cp> [--module-path ...
   * --add-modules ALL-MODULE-PATH] --enable-native-access=<who> (<main> | -m <module>/<main>)}.
   */
  List<String> launchOptions(String mainClass) {
    List<String> cmd = new ArrayList<>();
    if (!classPath.isEmpty()) {
      cmd.add("-cp");
      cmd.add(classPath);
    }
    if (modulePath != null && moduleName != null) {
      cmd.add("--module-path");
      cmd.add(modulePath);
      cmd.add("--add-modules");
      cmd.add("ALL-MODULE-PATH");
      cmd.add("--enable-native-access=" + moduleName);
      cmd.add("-m");
      cmd.add(moduleName + "/" + mainClass);
    } else {
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.add(mainClass);
    }
    return cmd;
  }

  /** Returns every entry of the class path and the module path, in order. */
  List<Path> entries() {
    List<Path> all = new ArrayList<>();
    for (String paths : modulePath == null ? List.of(classPath) : List.of(classPath, modulePath)) {
      for (String e : paths.split(File.pathSeparator, -1)) {
        if (!e.isEmpty()) {
          all.add(Path.of(e));
        }
      }
    }
    return all;
  }
}
