package org.layerfs.io.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {
  @Test
  void parsesOsAndArch() {
    Platform p = Platform.parse("linux/amd64");
    assertEquals("linux", p.os());
    assertEquals("amd64", p.architecture());
    assertEquals(Optional.empty(), p.variant());
    assertEquals("linux/amd64", p.toString());
  }

  @Test
  void parsesVariant() {
    Platform p = Platform.parse("linux/arm64/v8");
    assertEquals("arm64", p.architecture());
    assertEquals(Optional.of("v8"), p.variant());
    assertEquals("linux/arm64/v8", p.toString());
    assertEquals(Platform.of("linux", "arm64", Optional.of("v8")), p);
  }

  @Test
  void emptyVariantIsNoVariant() {
    assertEquals(Platform.of("linux", "amd64", Optional.empty()), Platform.of("linux", "amd64", Optional.of("")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "linux", "linux/", "/amd64", "//", "linux/arm/v7/extra"})
  void refusesMalformedNamingTheText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void variantlessRequestSelectsEveryVariant() {
    Platform request = Platform.parse("linux/arm64");
    assertTrue(request.selects(Platform.parse("linux/arm64/v8")));
    assertTrue(request.selects(Platform.parse("linux/arm64")));
  }

  @Test
  void variantRequestSelectsOnlyThatVariant() {
    Platform request = Platform.parse("linux/arm/v7");
    assertTrue(request.selects(Platform.parse("linux/arm/v7")));
    assertFalse(request.selects(Platform.parse("linux/arm/v6")));
  }

  @Test
  void osAndArchMustMatch() {
    assertFalse(Platform.parse("linux/amd64").selects(Platform.parse("linux/arm64")));
    assertFalse(Platform.parse("linux/amd64").selects(Platform.parse("windows/amd64")));
    assertFalse(Platform.parse("linux/s390x").selects(Platform.parse("linux/amd64")));
  }
}
