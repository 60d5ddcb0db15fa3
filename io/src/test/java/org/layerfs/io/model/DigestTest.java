package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
  /** sha256 of "hello". */
  private static final String HELLO =
      "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

  @Test
  void parsesSha256() {
    Digest d = Digest.parse(HELLO);
    assertEquals("sha256", d.algorithm());
    assertEquals(HELLO.substring(7), d.hex());
    assertEquals(HELLO, d.toString());
  }

  @Test
  void theProvidersArePreparedOnADaemonThreadAndHashAfterwards() throws InterruptedException {
    Thread setup = Digest.prepareInBackground();
    assertTrue(setup.isDaemon(), "a setup thread that is not a daemon would keep a finished command's JVM alive");
    setup.join();
    byte[] hash = Digest.newMessageDigest("sha256").digest("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(HELLO.substring(7), java.util.HexFormat.of().formatHex(hash));
  }

  @Test
  void parsesSha512() {
    String text = "sha512:" + "ab".repeat(64);
    Digest d = Digest.parse(text);
    assertEquals("sha512", d.algorithm());
    assertEquals(128, d.hex().length());
    assertEquals(text, d.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "sha256",
        "sha256:",
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "SHA256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982",
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98244",
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g",
        " sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "sha512:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
      })
  void refusesMalformedNamingTheText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
    assertFalse(Digest.isDigest(text));
  }

  @Test
  void isDigestAcceptsValid() {
    assertTrue(Digest.isDigest(HELLO));
  }

  @Test
  void sha256OfBytes() {
    assertEquals(Digest.parse(HELLO), Digest.sha256("hello".getBytes(UTF_8)));
    assertEquals(
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        Digest.sha256(new byte[0]).toString());
  }

  @Test
  void fromBytesAndNewMessageDigestAgree() {
    Digest d = Digest.parse(HELLO);
    byte[] raw = d.newMessageDigest().digest("hello".getBytes(UTF_8));
    assertEquals(d, Digest.fromBytes("sha256", raw));
    assertEquals(64, Digest.newMessageDigest("sha512").getDigestLength());
    assertEquals(32, Digest.newMessageDigest("sha256").getDigestLength());
  }

  @Test
  void equalityHashAndOrder() {
    Digest a = Digest.parse(HELLO);
    Digest b = Digest.parse(HELLO);
    Digest c = Digest.sha256(new byte[0]);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, c);
    assertNotEquals(a, HELLO);
    assertTrue(a.compareTo(c) < 0, "2cf... sorts before e3b...");
    assertEquals(0, a.compareTo(b));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Digest d = Digest.parse(HELLO);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(d);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(d, in.readObject());
    }
  }
}
