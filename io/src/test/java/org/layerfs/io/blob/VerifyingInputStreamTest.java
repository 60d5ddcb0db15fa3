package org.layerfs.io.blob;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;

class VerifyingInputStreamTest {
  private static final byte[] DATA = "the quick brown fox jumps over the lazy dog".getBytes(UTF_8);
  private static final Descriptor GOOD = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(DATA), DATA.length);

  private static VerifyingInputStream stream(byte[] bytes, Descriptor d) {
    return new VerifyingInputStream(new ByteArrayInputStream(bytes), d, "blob X");
  }

  @Test
  void goodBlobReadsThrough() throws IOException {
    try (VerifyingInputStream in = stream(DATA, GOOD)) {
      assertArrayEquals(DATA, in.readAllBytes());
      assertEquals(DATA.length, in.count());
      assertEquals(-1, in.read(), "reading again after a verified end is fine");
    }
  }

  @Test
  void goodBlobBySingleBytes() throws IOException {
    try (VerifyingInputStream in = stream(DATA, GOOD)) {
      int n = 0;
      for (int b; (b = in.read()) >= 0; n++) {
        assertEquals(DATA[n] & 0xff, b);
      }
      assertEquals(DATA.length, n);
    }
  }

  @Test
  void wrongDigestFailsAtTheEndNamingBoth() throws IOException {
    byte[] flipped = DATA.clone();
    flipped[3] ^= 1;
    try (VerifyingInputStream in = stream(flipped, GOOD)) {
      BlobVerificationException e = assertThrows(BlobVerificationException.class, in::readAllBytes);
      assertTrue(e.getMessage().startsWith("blob X:"), e.getMessage());
      assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
      assertTrue(e.getMessage().contains("expected " + GOOD.digest()), e.getMessage());
      assertTrue(e.getMessage().contains("actual " + Digest.sha256(flipped)), e.getMessage());
    }
  }

  @Test
  void truncatedFails() throws IOException {
    byte[] half = Arrays.copyOf(DATA, DATA.length / 2);
    try (VerifyingInputStream in = stream(half, GOOD)) {
      BlobVerificationException e = assertThrows(BlobVerificationException.class, in::readAllBytes);
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
      assertTrue(e.getMessage().contains(half.length + " of the " + DATA.length), e.getMessage());
    }
  }

  @Test
  void tooLongFailsAsSoonAsItPassesTheSize() throws IOException {
    byte[] longer = Arrays.copyOf(DATA, DATA.length + 10);
    try (VerifyingInputStream in = stream(longer, GOOD)) {
      byte[] buf = new byte[DATA.length];
      assertEquals(DATA.length, in.readNBytes(buf, 0, DATA.length), "the declared bytes read fine");
      BlobVerificationException e = assertThrows(BlobVerificationException.class, in::read);
      assertTrue(e.getMessage().contains("longer than the " + DATA.length + " bytes"), e.getMessage());
    }
  }

  @Test
  void tooLongWithSameDigestPrefixStillFails() throws IOException {
    // The declared bytes are right, only extra bytes follow: must not pass as whole.
    byte[] longer = Arrays.copyOf(DATA, DATA.length + 1);
    try (VerifyingInputStream in = stream(longer, GOOD)) {
      assertThrows(BlobVerificationException.class, in::readAllBytes);
    }
  }

  @Test
  void skippedBytesAreDigested() throws IOException {
    byte[] flipped = DATA.clone();
    flipped[1] ^= 1;
    try (VerifyingInputStream in = stream(flipped, GOOD)) {
      assertEquals(5, in.skip(5));
      assertThrows(BlobVerificationException.class, in::readAllBytes);
    }
    try (VerifyingInputStream in = stream(DATA, GOOD)) {
      assertEquals(DATA.length, in.skip(1000));
      assertEquals(-1, in.read());
    }
  }

  @Test
  void drainAndVerifyChecksTheRest() throws IOException {
    byte[] flipped = DATA.clone();
    flipped[DATA.length - 1] ^= 1;
    try (VerifyingInputStream in = stream(flipped, GOOD)) {
      in.read(new byte[4]);
      assertThrows(BlobVerificationException.class, in::drainAndVerify);
    }
    try (VerifyingInputStream in = stream(DATA, GOOD)) {
      in.read(new byte[4]);
      in.drainAndVerify();
      assertEquals(DATA.length, in.count());
    }
  }

  @Test
  void markNotSupported() {
    assertTrue(!stream(DATA, GOOD).markSupported());
  }

  @Test
  void readVerifiedReturnsTheBytes() throws IOException {
    assertArrayEquals(DATA, Blobs.readVerified(new ByteArrayInputStream(DATA), GOOD, "config Y"));
  }

  @Test
  void readVerifiedRefusesWrongBlob() {
    byte[] other = "something else".getBytes(UTF_8);
    BlobVerificationException e =
        assertThrows(
            BlobVerificationException.class,
            () -> Blobs.readVerified(new ByteArrayInputStream(other), GOOD, "config Y"));
    assertTrue(e.getMessage().startsWith("config Y:"), e.getMessage());
  }

  @Test
  void readVerifiedRefusesHugeDeclaredSize() {
    Descriptor huge = Descriptor.of(MediaTypes.OCI_CONFIG, GOOD.digest(), Blobs.MAX_METADATA_BLOB + 1);
    BlobVerificationException e =
        assertThrows(
            BlobVerificationException.class,
            () -> Blobs.readVerified(new ByteArrayInputStream(DATA), huge, "config Y"));
    assertTrue(e.getMessage().contains(String.valueOf(Blobs.MAX_METADATA_BLOB + 1)), e.getMessage());
  }
}
