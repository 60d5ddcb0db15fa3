package org.layerfs.pipeline.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Directory trees in tests: copied whole, listed by relative path, and compared byte for byte. */
public final class Trees {
  private Trees() {}

  /** Copies the tree {@code from} to {@code to} (which must not exist yet). */
  public static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  /** The regular files under {@code root}, by path relative to it, sorted. */
  public static Map<String, Path> regularFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).collect(Collectors.toMap(p -> root.relativize(p).toString(), p -> p, (x, y) -> x, TreeMap::new));
    }
  }

  /** Both trees hold the same regular files, byte for byte, but for the contents of those in {@code ignored}. */
  public static void assertSameBytes(Path expected, Path actual, Set<String> ignored) throws IOException {
    Map<String, Path> e = regularFiles(expected);
    Map<String, Path> a = regularFiles(actual);
    assertEquals(e.keySet(), a.keySet());
    for (String rel : e.keySet()) {
      if (!ignored.contains(rel)) {
        assertArrayEquals(Files.readAllBytes(e.get(rel)), Files.readAllBytes(a.get(rel)), rel);
      }
    }
  }
}
