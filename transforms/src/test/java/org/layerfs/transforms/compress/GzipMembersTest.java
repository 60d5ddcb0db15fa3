package org.layerfs.transforms.compress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.layerfs.io.model.Compression;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.testing.TarBuilder;

/** Gzip layers through {@link Decompression#open}: members, headers, and what may follow them. */
class GzipMembersTest {
  private static final byte[] TAR = new TarBuilder().file("a.txt", "hello").dir("d").bytes();

  private static byte[] readAll(byte[] raw) throws IOException {
    try (InputStream in = Decompression.open(new ByteArrayInputStream(raw), Compression.GZIP)) {
      return in.readAllBytes();
    }
  }

  @Test
  void trailingGarbageIsRefusedNamingItsOffset() {
    byte[] gz = TarBuilder.gzip(TAR);
    byte[] raw = DecompressionTest.concat(gz, "garbage!".getBytes(UTF_8));
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw));
    assertEquals("corrupt gzip stream: 8 bytes that are not a gzip member follow the last member, at byte offset "
        + gz.length + " (they start 67 61 72 62 61 67 65 21)", e.getMessage());
  }

  @Test
  void trailingGarbageAfterSeveralMembersIsRefusedAtItsOffset() {
    byte[] one = TarBuilder.gzip(Arrays.copyOf(TAR, 512));
    byte[] two = TarBuilder.gzip(Arrays.copyOfRange(TAR, 512, TAR.length));
    byte[] raw = DecompressionTest.concat(one, two, new byte[] {0x1f}); // half a magic number
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw));
    assertEquals("corrupt gzip stream: 1 bytes that are not a gzip member follow the last member, at byte offset "
        + (one.length + two.length) + " (they start 1f)", e.getMessage());
  }

  /** GNU gzip ignores zero padding after the last member; Go's reader (umoci, containerd) does not. */
  @Test
  void trailingZeroBytesAreRefused() {
    byte[] gz = TarBuilder.gzip(TAR);
    byte[] raw = DecompressionTest.concat(gz, new byte[1024]);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw));
    assertEquals("corrupt gzip stream: 1024 zero bytes follow the last gzip member, at byte offset " + gz.length,
        e.getMessage());
  }

  @Test
  void garbageLongerThanTheBufferIsCountedWhole() {
    byte[] gz = TarBuilder.gzip(TAR);
    byte[] tail = new byte[300_000];
    new Random(7).nextBytes(tail);
    tail[0] = 'x';
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(DecompressionTest.concat(gz, tail)));
    assertTrue(e.getMessage().startsWith("corrupt gzip stream: 300000 bytes that are not a gzip member"
        + " follow the last member, at byte offset " + gz.length + " (they start 78 "), e.getMessage());
  }

  @Test
  void membersAsPigzAndConcatenationWriteThemAreOneStream() throws IOException {
    byte[] big = new byte[400_000];
    new Random(1).nextBytes(big);
    byte[] raw = DecompressionTest.concat(TarBuilder.gzip(Arrays.copyOf(big, 100_000)), TarBuilder.gzip(new byte[0]),
        TarBuilder.gzip(Arrays.copyOfRange(big, 100_000, big.length)));
    assertArrayEquals(big, readAll(raw));
  }

  @Test
  void headerFieldsAreSkippedAndTheHeaderCrcChecked() throws IOException {
    byte[] member = member(TAR);
    assertArrayEquals(TAR, readAll(DecompressionTest.concat(member, member(new byte[0]))));
    byte[] badHeaderCrc = member.clone();
    badHeaderCrc[headerLength() - 1] ^= 1;
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(badHeaderCrc));
    assertEquals("corrupt gzip stream: header checksum mismatch in the gzip member at byte offset 0", e.getMessage());
  }

  @Test
  void aWrongDataCrcIsCorruptNamingTheMember() {
    byte[] first = TarBuilder.gzip(new byte[] {1, 2, 3});
    byte[] second = TarBuilder.gzip(TAR);
    second[second.length - 8] ^= 1;
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(DecompressionTest.concat(first, second)));
    assertEquals("corrupt gzip stream: CRC-32 mismatch in the gzip member at byte offset " + first.length,
        e.getMessage());
  }

  @Test
  void aMemberCutInItsTrailerIsTruncated() {
    byte[] gz = TarBuilder.gzip(TAR);
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> readAll(Arrays.copyOf(gz, gz.length - 3)));
    assertEquals("corrupt gzip stream: the gzip member at byte offset 0 is truncated", e.getMessage());
  }

  /** What {@link #member} writes before the deflate data: the fixed 10, FEXTRA 7, FNAME 4, FCOMMENT 8, FHCRC 2. */
  private static int headerLength() {
    return 10 + 7 + 4 + 8 + 2;
  }

  /** One member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC), as RFC 1952 lays them out. */
  private static byte[] member(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3});
    out.writeBytes(new byte[] {5, 0, 'S', 'G', 1, 0, 'x'}); // FEXTRA: XLEN 5, one subfield
    out.writeBytes("nam\0".getBytes(UTF_8)); // FNAME
    out.writeBytes("comment\0".getBytes(UTF_8)); // FCOMMENT
    CRC32 headerCrc = new CRC32();
    headerCrc.update(out.toByteArray());
    long c = headerCrc.getValue();
    out.write((int) c & 0xff);
    out.write((int) (c >> 8) & 0xff);
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(data);
    deflater.finish();
    byte[] buf = new byte[8192];
    while (!deflater.finished()) {
      out.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    CRC32 crc = new CRC32();
    crc.update(data);
    writeLe(out, crc.getValue());
    writeLe(out, data.length);
    return out.toByteArray();
  }

  private static void writeLe(ByteArrayOutputStream out, long v) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (v >> (8 * i)) & 0xff);
    }
  }
}
