package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins what the module exports, opens and requires: only the API package leaves it; the core module
 * alone may reflect on the internal one (its pool sends a node's tasks, lambdas, by name).
 */
class ModuleTest {

  @Test
  void moduleInfo_exportsOnlyTheApiPackage() throws IOException {
    ModuleDescriptor d;
    Path classes;
    try {
      classes =
          Path.of(RabbitContext.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
    if (Files.isDirectory(classes)) {
      try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
        d = ModuleDescriptor.read(in);
      }
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(classes);
          InputStream in = Files.newInputStream(jar.getPath("module-info.class"))) {
        d = ModuleDescriptor.read(in);
      }
    }
    assertThat(d.name()).isEqualTo("org.multiprocessing4j.rabbitmq");
    assertThat(d.exports())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactly("org.multiprocessing4j.rabbitmq");
    assertThat(d.exports()).allMatch(e -> !e.isQualified());
    assertThat(d.opens())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.source()).isEqualTo("org.multiprocessing4j.rabbitmq.internal");
              assertThat(o.targets()).containsExactly("org.multiprocessing4j");
            });
    Set<String> requires =
        d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    assertThat(requires)
        .contains("org.multiprocessing4j", "com.rabbitmq.client")
        .doesNotContain("org.multiprocessing4j.internal");
  }
}
