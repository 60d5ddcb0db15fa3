package org.layerfs.io.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing tool skips a test, except under CI=true where it fails it. */
class ToolsTest {
  private static final String MISSING = "layerfs-no-such-tool";

  @Test
  void aMissingToolSkipsOutsideCi() {
    TestAbortedException e = assertThrows(TestAbortedException.class, () -> Tools.require(MISSING, Map.of("PATH", "/usr/bin")));
    assertTrue(e.getMessage().contains(MISSING), e.getMessage());
  }

  @Test
  void aMissingToolFailsUnderCi() {
    AssertionFailedError e = assertThrows(AssertionFailedError.class,
        () -> Tools.require(MISSING, Map.of("PATH", "/usr/bin", "CI", "true")));
    assertTrue(e.getMessage().contains(MISSING) && e.getMessage().contains("CI=true"), e.getMessage());
  }

  @Test
  void aToolOnThePathIsFound() {
    assertEquals(Path.of("/bin/sh"), Tools.require("sh", Map.of("PATH", "/nonexistent:/bin", "CI", "true")));
  }
}
