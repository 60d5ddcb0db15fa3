package org.layerfs.transforms.compress;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
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
}
