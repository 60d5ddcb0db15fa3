package org.layerfs.transforms.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TarNamesTest {
  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Test
  void utf8NamesAreTheirUsualStrings() {
    String name = "etc/caf\u00e9/\u65e5\u672c/\uD83D\uDE00";
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    assertEquals(name, TarNames.decode(utf8));
    assertArrayEquals(utf8, TarNames.encode(name));
    assertTrue(TarNames.isUtf8(name));
    assertEquals(name, TarNames.display(name));
  }

  @Test
  void latin1BytesAreEscapedOneByOneAndComeBack() {
    byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
    String s = TarNames.decode(latin1);
    assertEquals("caf\uDCE9", s);
    assertFalse(TarNames.isUtf8(s));
    assertEquals("caf\uFFFD", TarNames.display(s));
    assertArrayEquals(latin1, TarNames.encode(s));
  }

  @Test
  void namesDifferingOnlyInAnInvalidByteStayDifferent() {
    String a = TarNames.decode(bytes('a', 0xff));
    String b = TarNames.decode(bytes('a', 0xfe));
    assertNotEquals(a, b);
    assertEquals(TarNames.display(a), TarNames.display(b));
  }

  @Test
  void invalidSequencesAreEscapedNotDecoded() {
    // overlong '/', an encoded surrogate (which would collide with an escape), past U+10FFFF, truncated
    for (byte[] bad : new byte[][] {bytes(0xc0, 0xaf), bytes(0xed, 0xb2, 0x80), bytes(0xf4, 0x90, 0x80, 0x80), bytes(0xe2, 0x82)}) {
      String s = TarNames.decode(bad);
      assertEquals(bad.length, s.length(), "each byte escaped alone");
      assertFalse(TarNames.isUtf8(s));
      assertArrayEquals(bad, TarNames.encode(s));
    }
  }

  @Test
  void everyByteStringRoundTrips() {
    Random random = new Random(15);
    for (int n = 0; n < 20_000; n++) {
      byte[] b = new byte[random.nextInt(12)];
      random.nextBytes(b);
      String s = TarNames.decode(b);
      assertArrayEquals(b, TarNames.encode(s));
      assertEquals(s, TarNames.decode(TarNames.encode(s)));
      assertEquals(isValidUtf8(b), TarNames.isUtf8(s));
    }
  }

  private static boolean isValidUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }
}
