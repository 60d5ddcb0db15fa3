package org.layerfs.transforms.compress;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Compression;
import org.layerfs.transforms.tar.LayerFormatException;

/** Tells a layer's compression from its magic bytes and opens the decompressed stream. */
public final class Decompression {
  private static final int BUFFER = 1 << 16;

  private Decompression() {}

  /** The compression {@code head} (the stream's first bytes) starts with. */
  public static Compression detect(byte[] head, int length) {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (length >= 4 && (isZstdFrame(head) || isSkippableFrame(head))) {
      return Compression.ZSTD;
    }
    return Compression.NONE;
  }

  private static boolean isZstdFrame(byte[] head) {
    return (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd;
  }

  /**
   * RFC 8878 skippable frame, magic 0x184D2A50..0x184D2A5F little-endian: zstd:chunked writers
   * put metadata in one, and a zstd stream may start with it.
   */
  private static boolean isSkippableFrame(byte[] head) {
    return (head[0] & 0xf0) == 0x50 && (head[1] & 0xff) == 0x2a && (head[2] & 0xff) == 0x4d && (head[3] & 0xff) == 0x18;
  }

  /**
   * Opens the decompressed stream of {@code raw}, checking that its magic bytes agree with the
   * compression {@code declared} by the layer's media type.
   */
  public static InputStream open(InputStream raw, Compression declared) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
    in.mark(4);
    byte[] head = new byte[4];
    int n = in.readNBytes(head, 0, 4);
    in.reset();
    Compression actual = detect(head, n);
    if (actual != declared) {
      throw new LayerFormatException(
          "media type says " + declared.label() + " but the stream is " + actual.label());
    }
    if (actual == Compression.NONE) {
      return in;
    }
    try {
      InputStream decompressed =
          actual == Compression.GZIP
              ? new GzipMembers(in, BUFFER)
              : new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), BUFFER);
      return new DecompressorErrors(decompressed, actual);
    } catch (BlobVerificationException e) {
      throw e;
    } catch (IOException e) {
      throw new LayerFormatException("corrupt " + actual.label() + " stream: " + e.getMessage(), e);
    }
  }

  /** Names a decompressor's failure as a corrupt stream; a failed blob check passes through. */
  private static final class DecompressorErrors extends FilterInputStream {
    private final Compression compression;

    DecompressorErrors(InputStream in, Compression compression) {
      super(in);
      this.compression = compression;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (BlobVerificationException e) {
        throw e;
      } catch (IOException e) {
        throw corrupt(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (BlobVerificationException e) {
        throw e;
      } catch (IOException e) {
        throw corrupt(e);
      }
    }

    private LayerFormatException corrupt(IOException e) {
      return new LayerFormatException("corrupt " + compression.label() + " stream: " + e.getMessage(), e);
    }
  }
}
