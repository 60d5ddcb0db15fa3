package org.layerfs.transforms.unpack;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.Streams;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Compression;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.compress.Decompression;
import org.layerfs.transforms.layer.ReadAheadInputStream;
import org.layerfs.transforms.tar.BoundedTarInputStream;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.tar.TarPaths;

/**
 * Writes the entries the plan gives one layer into a tree, in one pass over its blob: read, verify
 * the digest, decompress, and for each tar entry the plan names (by path and occurrence: a path
 * may appear twice in a tar), write it. Every entry of the layer,
 * written or not, is checked first: a name or hardlink target with a {@code ..} component, a
 * whiteout of {@code ..}, a name longer than the limit, a file over the size limit, too many
 * entries, an oversized PAX header and a layer that decompresses past its limit are refused, and
 * the message names the image, the layer and the entry. Absolute names are taken relative to the
 * tree ({@code /etc/x} is {@code etc/x}), as GNU tar and umoci take them. One thread reads, verifies
 * and decompresses the blob, the caller's reads the tar, others create the files ({@link
 * ConcurrentWrites}). One writer per thread.
 */
public final class LayerWriter {
  private static final String WHITEOUT = ".wh.";

  private final UnpackLimits limits;
  private final byte[] drain = new byte[1 << 16];

  public LayerWriter(UnpackLimits limits) {
    this.limits = limits;
  }

  /** What one layer wrote. */
  public record Written(long entries, long written, long bytes) {}

  /**
   * Reads the blob {@code raw} of {@code layer} and writes into {@code tree} the entries of
   * {@code plan} (by tar entry, see {@link UnpackPlan#entriesOf}); {@code image} is named in errors.
   */
  public Written write(String image, InputStream raw, Descriptor layer, Map<UnpackPlan.TarEntry, FileEntry> plan, SafeTree tree)
      throws IOException {
    VerifyingInputStream blob = new VerifyingInputStream(raw, layer, "layer " + layer.digest());
    try {
      return writeLayer(blob, layer, plan, tree);
    } catch (UnsafeEntryException | LayerFormatException e) {
      // A blob other than the one the image names (its catalog cached under the right digest) explains either.
      throw inImage(image, layer, blob.explain(e));
    } catch (IOException e) {
      throw inImage(image, layer, e);
    }
  }

  private static IOException inImage(String image, Descriptor layer, IOException e) {
    if (e instanceof UnsafeEntryException unsafe) {
      return unsafe.in(image, layer.digest().toString());
    }
    return e instanceof BlobVerificationException ? e : new IOException(image + ": layer " + layer.digest() + ": " + e.getMessage(), e);
  }

  private Written writeLayer(VerifyingInputStream blob, Descriptor layer, Map<UnpackPlan.TarEntry, FileEntry> plan, SafeTree tree)
      throws IOException {
    Compression declared =
        MediaTypes.layerCompression(layer.mediaType())
            .orElseThrow(() -> new LayerFormatException("unknown layer media type \"" + layer.mediaType() + "\""));
    InputStream decompressing = Decompression.open(blob, declared);
    ExecutorService readAhead = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "unpack-inflate");
      t.setDaemon(true);
      return t;
    });
    // The blob's digest and its decompression on one thread, the tar and the hand-over on this one.
    try (ReadAheadInputStream decompressed = new ReadAheadInputStream(decompressing, readAhead)) {
      return writeTar(new LimitedStream(decompressed, limits.maxLayerBytes()), blob, plan, tree);
    } finally {
      readAhead.shutdownNow();
    }
  }

  private Written writeTar(InputStream tar, VerifyingInputStream blob, Map<UnpackPlan.TarEntry, FileEntry> plan, SafeTree tree)
      throws IOException {
    BoundedTarInputStream in = new BoundedTarInputStream(tar, limits.maxPaxRecordSize());
    Set<UnpackPlan.TarEntry> done = new HashSet<>();
    // Occurrences so far of the paths the plan reads from: a path may appear twice in a tar.
    Map<String, Integer> seen = new HashMap<>();
    plan.keySet().forEach(k -> seen.put(k.path(), 0));
    long entries = 0;
    long bytes = 0;
    try (ConcurrentWrites writes = new ConcurrentWrites(tree)) {
      for (TarArchiveEntry e; (e = next(in, entries)) != null; ) {
        if (++entries > limits.maxEntriesPerLayer()) {
          throw new UnsafeEntryException("more than " + limits.maxEntriesPerLayer() + " entries (the limit)");
        }
        String path = check(e);
        Integer occurrence = seen.computeIfPresent(path, (p, n) -> n + 1);
        if (occurrence == null) {
          continue;
        }
        UnpackPlan.TarEntry at = new UnpackPlan.TarEntry(path, occurrence - 1);
        FileEntry planned = plan.get(at);
        if (planned == null || !EntryType.of(e).equals(Optional.of(planned.type()))) {
          continue;
        }
        long n;
        if (planned.type() == EntryType.FILE && e.getSize() > ConcurrentWrites.MAX_HANDED_OVER) {
          n = tree.write(planned, in);
        } else {
          byte[] content = planned.type() == EntryType.FILE ? in.readAllBytes() : new byte[0];
          n = content.length;
          writes.write(planned, content);
        }
        if (planned.type() == EntryType.FILE && n != planned.size()) {
          throw new LayerFormatException("entry \"" + path + "\": " + n + " bytes in the layer, " + planned.size() + " in its index");
        }
        bytes += n;
        done.add(at);
      }
      writes.finish();
    }
    if (done.size() < plan.size()) {
      String missing = plan.keySet().stream().filter(p -> !done.contains(p)).map(UnpackPlan.TarEntry::path).sorted()
          .findFirst().orElseThrow();
      throw new LayerFormatException(
          (plan.size() - done.size()) + " entries of the merged view are not in the layer (first: \"" + missing
              + "\"): the index does not match the layer");
    }
    while (tar.read(drain) >= 0) {
      // the padding after the end-of-archive marker, bounded like the rest
    }
    blob.drainAndVerify();
    return new Written(entries, done.size(), bytes);
  }

  private static TarArchiveEntry next(BoundedTarInputStream in, long entries) throws IOException {
    try {
      return in.getNextEntry();
    } catch (BoundedTarInputStream.HeaderTooLargeException e) {
      throw new UnsafeEntryException(e.getMessage());
    } catch (UnsafeEntryException | BlobVerificationException | LayerFormatException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new LayerFormatException("broken tar after " + entries + " entries: " + e.getMessage(), e);
    }
  }

  /** Refuses what no tree should get; returns the normalised path ("" for the root). */
  private String check(TarArchiveEntry e) throws UnsafeEntryException {
    String name = e.getName();
    checkLength(name, name, "name");
    if (TarPaths.climbs(name)) {
      throw UnsafeEntryException.entry(name, "has a \"..\" component: it would land outside the tree");
    }
    String path = TarPaths.normalise(name);
    String base = path.substring(path.lastIndexOf('/') + 1);
    if (base.equals(WHITEOUT + "..") || base.equals(WHITEOUT + ".")) {
      throw UnsafeEntryException.entry(name, "a whiteout of \"" + base.substring(WHITEOUT.length()) + "\" would remove a directory above it");
    }
    if (e.isLink() || e.isSymbolicLink()) {
      checkLength(name, e.getLinkName(), "link target");
    }
    if (e.isLink() && TarPaths.climbs(e.getLinkName())) {
      throw UnsafeEntryException.entry(name, "hardlink to \"" + e.getLinkName() + "\", which is outside the tree");
    }
    if (e.getSize() > limits.maxFileSize()) {
      throw UnsafeEntryException.entry(name, "declares " + e.getSize() + " bytes, over the limit of " + limits.maxFileSize());
    }
    return path;
  }

  private void checkLength(String name, String text, String what) throws UnsafeEntryException {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxPathLength()) {
      throw UnsafeEntryException.entry(
          name.length() > 200 ? name.substring(0, 200) + "..." : name,
          what + " of " + bytes + " bytes exceeds the limit of " + limits.maxPathLength());
    }
  }



  /** Fails once more than {@code limit} uncompressed bytes are read: a decompression bomb. */
  private static final class LimitedStream extends FilterInputStream {
    private final long limit;
    private long count;

    LimitedStream(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      return Streams.readOne(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, (int) Math.min(len, limit - count + 1));
      if (n > 0) {
        count += n;
        if (count > limit) {
          throw new UnsafeEntryException("decompresses to more than " + limit + " bytes (the limit): a decompression bomb?");
        }
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
  }
}
