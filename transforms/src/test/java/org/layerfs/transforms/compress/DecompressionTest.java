package org.layerfs.transforms.compress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Compression;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.testing.TarBuilder;

class DecompressionTest {
  private static final byte[] TAR = new TarBuilder().file("a.txt", "hello").dir("d").bytes();

  private static byte[] readAll(byte[] raw, Compression declared) throws IOException {
    try (InputStream in = Decompression.open(new ByteArrayInputStream(raw), declared)) {
      return in.readAllBytes();
    }
  }

  @Test
  void detectsGzip() {
    byte[] gz = TarBuilder.gzip(TAR);
    assertEquals(Compression.GZIP, Decompression.detect(gz, gz.length));
    assertEquals(Compression.GZIP, Decompression.detect(new byte[] {0x1f, (byte) 0x8b}, 2));
  }

  @Test
  void detectsZstd() {
    byte[] zst = TarBuilder.zstd(TAR);
    assertEquals(Compression.ZSTD, Decompression.detect(zst, zst.length));
  }

  @Test
  void detectsNone() {
    assertEquals(Compression.NONE, Decompression.detect(TAR, TAR.length));
    assertEquals(Compression.NONE, Decompression.detect(new byte[0], 0));
  }

  @Test
  void detectHonoursTheLength() {
    // The magic must be within the bytes actually read.
    assertEquals(Compression.NONE, Decompression.detect(new byte[] {0x1f, (byte) 0x8b, 0, 0}, 1));
    assertEquals(Compression.NONE, Decompression.detect(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, 3));
  }

  @Test
  void opensGzip() throws IOException {
    assertArrayEquals(TAR, readAll(TarBuilder.gzip(TAR), Compression.GZIP));
  }

  @Test
  void opensZstd() throws IOException {
    assertArrayEquals(TAR, readAll(TarBuilder.zstd(TAR), Compression.ZSTD));
  }

  @Test
  void opensPlain() throws IOException {
    assertArrayEquals(TAR, readAll(TAR, Compression.NONE));
  }

  @Test
  void opensEmptyPlain() throws IOException {
    assertArrayEquals(new byte[0], readAll(new byte[0], Compression.NONE));
  }

  @Test
  void gzipDeclaredButPlainIsRefusedNamingBoth() {
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(TAR, Compression.GZIP));
    assertTrue(e.getMessage().contains("gzip") && e.getMessage().contains("none"), e.getMessage());
  }

  @Test
  void plainDeclaredButGzipIsRefusedNamingBoth() {
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> readAll(TarBuilder.gzip(TAR), Compression.NONE));
    assertEquals("media type says none but the stream is gzip", e.getMessage());
  }

  @Test
  void zstdDeclaredButGzipIsRefusedNamingBoth() {
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> readAll(TarBuilder.gzip(TAR), Compression.ZSTD));
    assertEquals("media type says zstd but the stream is gzip", e.getMessage());
  }

  @Test
  void gzipDeclaredButZstdIsRefusedNamingBoth() {
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> readAll(TarBuilder.zstd(TAR), Compression.GZIP));
    assertEquals("media type says gzip but the stream is zstd", e.getMessage());
  }

  @Test
  void gzipHeaderThenGarbageIsCorruptGzip() {
    byte[] raw = new byte[600];
    new Random(3).nextBytes(raw);
    byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    System.arraycopy(header, 0, raw, 0, header.length);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw, Compression.GZIP));
    assertTrue(e.getMessage().startsWith("corrupt gzip"), e.getMessage());
  }

  @Test
  void badGzipHeaderIsCorruptGzip() {
    byte[] raw = {0x1f, (byte) 0x8b, 99, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3};
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw, Compression.GZIP));
    assertTrue(e.getMessage().startsWith("corrupt gzip"), e.getMessage());
  }

  @Test
  void truncatedGzipIsCorruptGzip() {
    byte[] gz = TarBuilder.gzip(TAR);
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(cut, Compression.GZIP));
    assertTrue(e.getMessage().startsWith("corrupt gzip"), e.getMessage());
  }

  @Test
  void zstdMagicThenGarbageIsCorruptZstd() {
    byte[] raw = new byte[600];
    new Random(4).nextBytes(raw);
    byte[] magic = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    System.arraycopy(magic, 0, raw, 0, magic.length);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> readAll(raw, Compression.ZSTD));
    assertTrue(e.getMessage().startsWith("corrupt zstd"), e.getMessage());
  }

  @Test
  void blobFailurePassesThroughTheDecompressorUnwrapped() {
    byte[] content = new byte[300_000];
    new Random(5).nextBytes(content);
    byte[] gz = TarBuilder.gzip(new TarBuilder().file("big", content).bytes());
    BlobVerificationException wrong = new BlobVerificationException("blob: digest mismatch");
    InputStream raw =
        new FilterInputStream(new ByteArrayInputStream(gz, 0, gz.length / 2)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
              throw wrong;
            }
            return n;
          }
        };
    IOException e =
        assertThrows(IOException.class, () -> Decompression.open(raw, Compression.GZIP).readAllBytes());
    assertSame(wrong, e);
  }

  @Test
  void plainStreamIsNotAltered() throws IOException {
    byte[] text = "not a tar, but no compression either".getBytes(UTF_8);
    assertArrayEquals(text, readAll(text, Compression.NONE));
  }
  /** RFC 8878 skippable frame (magic 0x184D2A50 + {@code nibble}) holding {@code payload}. */
  private static byte[] skippableFrame(int nibble, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(8 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    return b.putInt(0x184D2A50 + nibble).putInt(payload.length).put(payload).array();
  }

  /** The {@code parts} one after another. */
  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void zstdStartingWithASkippableFrameIsZstd() throws IOException {
    for (int nibble : new int[] {0, 7, 15}) {
      byte[] raw = concat(skippableFrame(nibble, "{\"toc\":[]}".getBytes(UTF_8)), TarBuilder.zstd(TAR));
      assertEquals(Compression.ZSTD, Decompression.detect(raw, raw.length));
      assertArrayEquals(TAR, readAll(raw, Compression.ZSTD), "magic nibble " + nibble);
    }
  }

  @Test
  void skippableFramesBetweenAndAfterZstdFramesAreSkipped() throws IOException {
    byte[] half = Arrays.copyOf(TAR, 512);
    byte[] rest = Arrays.copyOfRange(TAR, 512, TAR.length);
    byte[] raw = concat(skippableFrame(0, new byte[0]), TarBuilder.zstd(half), skippableFrame(1, new byte[100]),
        TarBuilder.zstd(rest), skippableFrame(2, "footer".getBytes(UTF_8)));
    assertArrayEquals(TAR, readAll(raw, Compression.ZSTD));
  }

  @Test
  void skippableMagicWithAnotherNibblePatternIsNotZstd() {
    byte[] raw = {0x60, 0x2a, 0x4d, 0x18, 0, 0, 0, 0};
    assertEquals(Compression.NONE, Decompression.detect(raw, raw.length));
  }

  /**
   * eStargz: one gzip member per tar entry, then a footer member (empty, its extra field naming
   * the TOC offset). Read through a stream that, like a pipe, never says bytes are available and
   * stops each read at a member boundary.
   */
  @Test
  void gzipOfManyMembersAsEstargzWritesItIsReadWhole() throws IOException {
    byte[] tar = new TarBuilder().file("a.txt", "hello").file("b.txt", "world").dir("d").bytes();
    List<byte[]> members = new ArrayList<>();
    for (int at = 0; at < tar.length; at += 512) {
      members.add(TarBuilder.gzip(Arrays.copyOfRange(tar, at, Math.min(tar.length, at + 512))));
    }
    byte[] footer = {0x1f, (byte) 0x8b, 8, 4, 0, 0, 0, 0, 0, (byte) 0xff, 26, 0, 'S', 'G', 22, 0,
        '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', 'S', 'T', 'A', 'R', 'G', 'Z',
        3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    members.add(footer);
    InputStream raw = new MemberByMemberStream(members);
    try (InputStream in = Decompression.open(raw, Compression.GZIP)) {
      assertArrayEquals(tar, in.readAllBytes());
    }
  }

  /** Returns the members one read at a most each, with {@code available()} always 0. */
  private static final class MemberByMemberStream extends InputStream {
    private final List<byte[]> members;
    private int member;
    private int at;

    MemberByMemberStream(List<byte[]> members) {
      this.members = members;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException("reads in blocks");
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (member == members.size()) {
        return -1;
      }
      byte[] m = members.get(member);
      int n = Math.min(len, m.length - at);
      System.arraycopy(m, at, b, off, n);
      at += n;
      if (at == m.length) {
        member++;
        at = 0;
      }
      return n;
    }
  }
}
