package org.layerfs.transforms.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.Streams;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Compression;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.compress.Decompression;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.tar.TarScanner;

/**
 * Indexes one layer in a single pass over its blob: read, verify the digest, decompress, digest
 * the tar (the diffID) and scan it. One reader per thread: it reuses its scanner's buffers and
 * keeps one read-ahead thread, so decompression overlaps scanning; close it when done.
 */
public final class LayerReader implements AutoCloseable {
  private final TarScanner scanner = new TarScanner();
  private final ExecutorService readAhead =
      Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "layerfs-read-ahead");
        t.setDaemon(true);
        return t;
      });
  private final byte[] drain = new byte[1 << 16];

  /** Receives each entry of the layer as it is scanned. */
  public interface Sink {
    void accept(FileEntry entry) throws IOException;
  }

  /**
   * Reads the blob {@code raw} of {@code layer}. Throws {@link BlobVerificationException} when
   * the blob does not match its descriptor (checked first whenever anything else fails, since a
   * wrong blob explains a broken stream) and {@link LayerFormatException} when it does but its
   * content is broken.
   */
  public LayerSummary read(InputStream raw, Descriptor layer, Sink sink) throws IOException {
    Compression declared =
        MediaTypes.layerCompression(layer.mediaType())
            .orElseThrow(() -> new LayerFormatException("unknown layer media type \"" + layer.mediaType() + "\""));
    VerifyingInputStream blob = new VerifyingInputStream(raw, layer, "blob");
    ReadAheadInputStream decompressed = null;
    try {
      // Blob digest and decompression on one thread, diffID and tar scan on this one.
      decompressed = new ReadAheadInputStream(Decompression.open(blob, declared), readAhead);
      DiffIdStream tar = new DiffIdStream(decompressed);
      long[] fileBytes = {0};
      long entries =
          scanner.scan(tar, layer.digest().toString(), e -> {
            if (e.type() == EntryType.FILE) {
              fileBytes[0] += e.size(); // a hardlink shares its target's content: counted once
            }
            sink.accept(e);
          });
      // The diffID covers the whole stream, padding after the end-of-archive marker included.
      while (tar.read(drain) >= 0) {
        // drained
      }
      decompressed.close();
      blob.drainAndVerify();
      return LayerSummary.of(
          layer.digest(), tar.diffId(), layer.mediaType(), declared.label(), blob.count(),
          tar.count, entries, fileBytes[0]);
    } catch (LayerFormatException e) {
      if (decompressed != null) {
        decompressed.close(); // the blob is ours again once the read-ahead has stopped
      }
      throw blob.explain(e);
    } finally {
      if (decompressed != null) {
        decompressed.close();
      }
    }
  }

  /** Stops the read-ahead thread. */
  @Override
  public void close() {
    readAhead.shutdownNow();
  }

  /** Digests and counts the uncompressed tar as it is read. */
  private static final class DiffIdStream extends FilterInputStream {
    private final MessageDigest sha256 = Digest.newMessageDigest("sha256");
    private long count;

    DiffIdStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        sha256.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        sha256.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      return Streams.skipByReading(this, n);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    Digest diffId() {
      return Digest.fromBytes("sha256", sha256.digest());
    }
  }
}
