package org.multiprocessing4j;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles, at test time, a target class that exists only in this JVM, not on the class path. */
final class ForeignClass {
  static final String NAME = "mp4jtest.ForeignTarget";

  private ForeignClass() {}

  static ProcessTarget compileAndLoad(Path dir) throws Exception {
    Path src = dir.resolve("src/mp4jtest/ForeignTarget.java");
    Files.createDirectories(src.getParent());
    Files.writeString(
        src,
        "package mp4jtest; public class ForeignTarget implements org.multiprocessing4j.ProcessTarget"
            + " { private static final long serialVersionUID = 1L; public void run() {} }");
    Path classes = dir.resolve("classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "-cp",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            src.toString());
    if (rc != 0) {
      throw new IllegalStateException("javac failed: " + rc);
    }
    @SuppressWarnings("resource") // the class must stay loadable for the test's duration
    URLClassLoader loader =
        new URLClassLoader(
            new URL[] {classes.toUri().toURL()}, ForeignClass.class.getClassLoader());
    return (ProcessTarget) loader.loadClass(NAME).getDeclaredConstructor().newInstance();
  }
}
