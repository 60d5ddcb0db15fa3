package org.layerfs.transforms.tar;

import com.google.common.collect.ImmutableSortedMap;
import com.google.common.io.BaseEncoding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Digest;

/**
 * Reads a layer's (decompressed) tar stream once and hands each entry to a consumer as a
 * {@link FileEntry}, with the sha256 of every regular file's content. One scanner holds one
 * reusable buffer; it is not thread-safe.
 */
public final class TarScanner {
  /** Consumes scanned entries; may throw to stop the scan. */
  public interface Consumer {
    void accept(FileEntry entry) throws IOException;
  }

  private record Content(long size, String sha256) {}

  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final String SCHILY_XATTR = "SCHILY.xattr.";
  private static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";
  /** GNU sparse records say how the content is stored; the catalog has the expanded content. */
  private static final String GNU_SPARSE = "GNU.sparse.";
  /** PAX records that other fields already represent, or that only say when the tar was made. */
  private static final Set<String> REPRESENTED = Set.of("atime", "ctime", "mtime", "path", "linkpath", "size", "uid", "gid", "uname", "gname",
      "hdrcharset");

  private final byte[] buffer = new byte[1 << 16];
  private final MessageDigest sha256 = Digest.newMessageDigest("sha256");

  /**
   * Scans {@code tar} to its end-of-archive marker. {@code layer} is recorded in every entry and
   * named in errors. Returns the number of entries.
   */
  public long scan(InputStream tar, String layer, Consumer consumer) throws IOException {
    // Hardlinks point to earlier entries of the same layer: remember each file's content.
    Map<String, Content> files = new HashMap<>();
    long count = 0;
    TarArchiveInputStream in = new BoundedTarInputStream(tar, BoundedTarInputStream.DEFAULT_MAX_HEADER_SIZE);
    while (true) {
      TarArchiveEntry e;
      try {
        e = in.getNextEntry();
      } catch (LayerFormatException | BlobVerificationException ex) {
        throw ex;
      } catch (IOException | IllegalArgumentException ex) {
        throw new LayerFormatException("broken tar after " + count + " entries: " + ex.getMessage(), ex);
      }
      if (e == null) {
        return count;
      }
      String path = TarPaths.normalise(e.getName());
      if (path.isEmpty() && !e.isDirectory()) {
        continue; // the root can only be a directory; its own entry ("./") is kept, as path ""
      }
      FileEntry.Builder b = FileEntry.builder().setPath(path).setLayer(layer);
      EntryType type = type(e, path);
      fill(b.setType(type), e, path);
      if (type == EntryType.FILE) {
        // A GNU sparse file's content reads expanded, holes as zeros: its real size, not the stored one.
        long size = e.isSparse() ? e.getRealSize() : e.getSize();
        b.setSize(size).setSha256(hashContent(in, path, size));
      } else if (type == EntryType.HARDLINK) {
        Content target = files.get(TarPaths.normalise(e.getLinkName()));
        if (target != null) {
          b.setSize(target.size()).setSha256(target.sha256());
        }
      }
      FileEntry entry = b.build();
      if (entry.type() == EntryType.FILE) {
        files.put(path, new Content(entry.size(), entry.sha256().get()));
      }
      consumer.accept(entry);
      count++;
    }
  }

  private void fill(FileEntry.Builder b, TarArchiveEntry e, String path) throws LayerFormatException {
    b.setMode(e.getMode() & 07777)
        .setUid(unsignedId(e.getLongUserId()))
        .setGid(unsignedId(e.getLongGroupId()))
        .setUser(e.getUserName())
        .setGroup(e.getGroupName())
        .setMtime(e.getLastModifiedTime().toInstant().getEpochSecond());
    if (e.isSymbolicLink()) {
      b.setLinkTarget(e.getLinkName());
    } else if (e.isLink()) {
      b.setLinkTarget(TarPaths.normalise(e.getLinkName()));
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      b.setDevMajor(e.getDevMajor()).setDevMinor(e.getDevMinor());
    }
    Map<String, String> xattrs = new TreeMap<>();
    Map<String, String> pax = new TreeMap<>();
    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
      String key = h.getKey();
      if (key.startsWith(SCHILY_XATTR)) {
        xattrs.put(gnuXattrName(key.substring(SCHILY_XATTR.length())), h.getValue());
      } else if (key.startsWith(LIBARCHIVE_XATTR)) {
        String name = TarNames.decode(percentDecode(key.substring(LIBARCHIVE_XATTR.length())));
        xattrs.put(name, TarNames.decode(BaseEncoding.base64().decode(h.getValue())));
      } else if (!REPRESENTED.contains(key) && !key.startsWith(GNU_SPARSE)) {
        pax.put(key, h.getValue());
      }
    }
    b.setXattrs(ImmutableSortedMap.copyOf(xattrs)).setPax(ImmutableSortedMap.copyOf(pax));
    String base = path.substring(path.lastIndexOf('/') + 1);
    if (base.equals(OPAQUE)) {
      b.setOpaque(true);
    } else if (base.startsWith(WHITEOUT) && !base.startsWith(WHITEOUT + WHITEOUT)) {
      int slash = path.lastIndexOf('/');
      b.setWhiteout((slash < 0 ? "" : path.substring(0, slash + 1)) + base.substring(WHITEOUT.length()));
    }
  }

  /**
   * Commons Compress casts a header's uid/gid to int, so a base-256 id of 2^31 or more (4294967294,
   * {@code nobody} in some images) comes back negative. Linux ids are unsigned 32-bit: take the bits.
   */
  private static long unsignedId(long id) {
    return id < 0 ? id & 0xFFFF_FFFFL : id;
  }

  /**
   * GNU tar writes an xattr name's "=" and "%" as %3D and %25 (a PAX keyword ends at its first "=")
   * and its extraction turns exactly those two back, in one pass. umoci (Go's archive/tar) and
   * Python's tarfile keep the keyword as it is; GNU tar is the writer of such names, so its reading wins.
   */
  private static String gnuXattrName(String keyword) {
    if (keyword.indexOf('%') < 0) {
      return keyword;
    }
    StringBuilder name = new StringBuilder(keyword.length());
    for (int i = 0; i < keyword.length(); i++) {
      if (keyword.startsWith("%3D", i) || keyword.startsWith("%25", i)) {
        name.append(keyword.charAt(i + 1) == '3' ? '=' : '%');
        i += 2;
      } else {
        name.append(keyword.charAt(i));
      }
    }
    return name.toString();
  }

  /** libarchive writes xattr names with {@code %XX} for some bytes; the name is those bytes. */
  private static byte[] percentDecode(String name) {
    byte[] in = TarNames.encode(name);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      int hi = i + 2 < in.length && in[i] == '%' ? Character.digit(in[i + 1], 16) : -1;
      int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
      if (lo >= 0) {
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    return out.toByteArray();
  }

  private static EntryType type(TarArchiveEntry e, String path) throws LayerFormatException {
    return EntryType.of(e).orElseThrow(() -> new LayerFormatException(
        "entry \"" + path + "\": unsupported tar entry type (not a file, directory, link, fifo or device)"));
  }

  private String hashContent(InputStream in, String path, long size) throws IOException {
    sha256.reset();
    long read = 0;
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha256.update(buffer, 0, n);
        read += n;
      }
    } catch (LayerFormatException | BlobVerificationException ex) {
      throw ex;
    } catch (IOException ex) {
      throw new LayerFormatException("broken tar at \"" + path + "\": " + ex.getMessage(), ex);
    }
    if (read != size) {
      throw new LayerFormatException("broken tar at \"" + path + "\": truncated after " + read + " of " + size + " bytes");
    }
    return BaseEncoding.base16().lowerCase().encode(sha256.digest());
  }
}
