package org.layerfs.transforms.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds a layer's tar in memory, PAX format (long names, non-ASCII names, big uids and xattrs
 * as PAX records), names written exactly as given ({@code ./a} and {@code /a} stay as they are).
 *
 * <pre>
 * byte[] layer = new TarBuilder()
 *     .dir("etc")
 *     .mode(0600).owner(1000, 1000).file("etc/secret", "x")
 *     .pax("SCHILY.xattr.user.k", "v").file("attrs/f", "y")
 *     .whiteout("etc/old").opaque("var/cache")
 *     .gzip();
 * </pre>
 *
 * {@link #pax}, {@link #mode}, {@link #owner}, {@link #names} and {@link #mtime} apply to the next
 * entry only. Defaults: mtime {@link #DEFAULT_MTIME}, uid/gid 0, modes 0644 (files, fifos,
 * devices), 0755 (dirs), 0777 (symlinks), 0644 (hardlinks), whiteouts 0000.
 */
public final class TarBuilder {
  public static final long DEFAULT_MTIME = 1_700_000_000L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;
  private byte[] finished;

  private final Map<String, String> nextPax = new LinkedHashMap<>();
  private Integer nextMode;
  private Long nextUid;
  private Long nextGid;
  private String nextUser;
  private String nextGroup;
  private Long nextMtime;

  public TarBuilder() {
    tar = new TarArchiveOutputStream(bytes, UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  // --- attributes of the next entry ---

  /** Adds a PAX record to the next entry (e.g. {@code SCHILY.xattr.user.x}). */
  public TarBuilder pax(String key, String value) {
    nextPax.put(key, value);
    return this;
  }

  /** Permission bits of the next entry, with setuid/setgid/sticky, e.g. {@code 04755}. */
  public TarBuilder mode(int mode) {
    nextMode = mode;
    return this;
  }

  public TarBuilder owner(long uid, long gid) {
    nextUid = uid;
    nextGid = gid;
    return this;
  }

  public TarBuilder names(String user, String group) {
    nextUser = user;
    nextGroup = group;
    return this;
  }

  /** Modification time of the next entry, epoch seconds. */
  public TarBuilder mtime(long epochSeconds) {
    nextMtime = epochSeconds;
    return this;
  }

  // --- entries ---

  public TarBuilder file(String path, String content) {
    return file(path, content.getBytes(UTF_8));
  }

  public TarBuilder file(String path, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_NORMAL, true);
    e.setSize(content.length);
    return put(e, 0644, content);
  }

  public TarBuilder dir(String path) {
    TarArchiveEntry e = new TarArchiveEntry(path.endsWith("/") ? path : path + "/", TarConstants.LF_DIR, true);
    return put(e, 0755, null);
  }

  public TarBuilder symlink(String path, String target) {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return put(e, 0777, null);
  }

  /** A hard link at {@code path} to the earlier entry {@code target}. */
  public TarBuilder hardlink(String path, String target) {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return put(e, 0644, null);
  }

  public TarBuilder fifo(String path) {
    return put(new TarArchiveEntry(path, TarConstants.LF_FIFO, true), 0644, null);
  }

  public TarBuilder charDevice(String path, int major, int minor) {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_CHR, true);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, 0644, null);
  }

  public TarBuilder blockDevice(String path, int major, int minor) {
    TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_BLK, true);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, 0644, null);
  }

  /** The {@code .wh.NAME} marker that removes {@code path} ({@code "dir/name"}) from lower layers. */
  public TarBuilder whiteout(String path) {
    int slash = path.lastIndexOf('/');
    return marker(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1));
  }

  /** The {@code .wh..wh..opq} marker of {@code dir} ("" for the root). */
  public TarBuilder opaque(String dir) {
    return marker(dir.isEmpty() ? ".wh..wh..opq" : (dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq");
  }

  private TarBuilder marker(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    e.setSize(0);
    return put(e, 0, new byte[0]);
  }

  /** Writes an entry made by the caller as it is (pending next-entry attributes still apply). */
  public TarBuilder entry(TarArchiveEntry e, byte[] content) {
    return put(e, e.getMode() & 07777, content);
  }

  private TarBuilder put(TarArchiveEntry e, int defaultMode, byte[] content) {
    if (finished != null) {
      throw new IllegalStateException("the tar is already finished");
    }
    e.setMode(nextMode != null ? nextMode : defaultMode);
    e.setLastModifiedTime(FileTime.fromMillis((nextMtime != null ? nextMtime : DEFAULT_MTIME) * 1000));
    if (nextUid != null) {
      e.setUserId(nextUid);
      e.setGroupId(nextGid);
    }
    if (nextUser != null) {
      e.setUserName(nextUser);
      e.setGroupName(nextGroup);
    }
    nextPax.forEach(e::addPaxHeader);
    nextPax.clear();
    nextMode = null;
    nextUid = null;
    nextGid = null;
    nextUser = null;
    nextGroup = null;
    nextMtime = null;
    try {
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return this;
  }

  // --- output ---

  /** The finished tar (end-of-archive marker and padding included). */
  public byte[] bytes() {
    if (finished == null) {
      try {
        tar.finish();
        tar.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      finished = bytes.toByteArray();
    }
    return finished.clone();
  }

  /** The finished tar, gzip-compressed. */
  public byte[] gzip() {
    return gzip(bytes());
  }

  /** The finished tar, zstd-compressed. */
  public byte[] zstd() {
    return zstd(bytes());
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] zstd(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new ZstdOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
