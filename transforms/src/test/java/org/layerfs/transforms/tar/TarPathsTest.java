package org.layerfs.transforms.tar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TarPathsTest {
  @ParameterizedTest(name = "\"{0}\" -> \"{1}\"")
  @CsvSource(
      value = {
        "a, a",
        "./a, a",
        "/a, a",
        "a/, a",
        "./a/b/, a/b",
        "//a///b, a/b",
        "a/./b, a/b",
        "././a, a",
        "a/b/.., a",
        "a/../b, b",
        "../a, a",
        "/../../etc/passwd, etc/passwd",
        "a/b/../../../c, c",
        "données/café.txt, données/café.txt",
        "..., ...",
        ".hidden/..x, .hidden/..x",
        "'', ''",
        "., ''",
        "./, ''",
        "/, ''",
        "a/.., ''",
        "..,''"
      })
  void normalise(String name, String expected) {
    assertEquals(expected, TarPaths.normalise(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../a", "a/../b", "a/b/..", "/../x", "./../x"})
  void climbs(String name) {
    assertTrue(TarPaths.climbs(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "./a", "/a/b", "a/..b", "..a", "a../b", "...", ".wh..wh..opq"})
  void doesNotClimb(String name) {
    assertFalse(TarPaths.climbs(name));
  }
}
