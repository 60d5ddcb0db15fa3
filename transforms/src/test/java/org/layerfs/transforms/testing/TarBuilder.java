package org.layerfs.transforms.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.layerfs.transforms.tar.TarNames;

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
 * Names are bytes: {@link #rawFile}, {@link #rawHardlink} and {@link #rawPax} write headers and
 * PAX records with exact bytes (latin-1 names, {@code hdrcharset=BINARY}, Go's raw PAX values).
 *
 * <p>{@link #pax}, {@link #mode}, {@link #owner}, {@link #names} and {@link #mtime} apply to the next
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
    // Records of 512 bytes, not blocks: each is in bytes as soon as written, so raw records
    // (rawFile, rawPax) can go between entries.
    tar = new TarArchiveOutputStream(bytes, TarConstants.DEFAULT_RCDSIZE, UTF_8.name());
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

  /** A file whose ustar header holds {@code name} (at most 100 bytes) exactly: e.g. latin-1. */
  public TarBuilder rawFile(byte[] name, byte[] content) {
    raw(ustarHeader(name, TarConstants.LF_NORMAL, content.length, new byte[0]));
    raw(padded(content));
    return this;
  }

  /** A hardlink whose ustar header holds {@code name} and {@code target} exactly. */
  public TarBuilder rawHardlink(byte[] name, byte[] target) {
    return raw(ustarHeader(name, TarConstants.LF_LINK, 0, target));
  }

  /** A GNU long name ({@code L}) record holding {@code name} exactly; it names the next entry. */
  public TarBuilder rawGnuLongName(byte[] name) {
    byte[] data = Arrays.copyOf(name, name.length + 1); // NUL-terminated, as GNU tar writes it
    raw(ustarHeader("././@LongLink".getBytes(UTF_8), TarConstants.LF_GNUTYPE_LONGNAME, data.length, new byte[0]));
    return raw(padded(data));
  }

  /**
   * A PAX extended header ({@code x}) with these records written as raw bytes; it applies to the
   * next entry, which should have an ASCII name so that it adds no PAX header of its own.
   */
  public TarBuilder rawPax(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    records.forEach((key, value) -> {
      byte[] keyBytes = TarNames.encode(key); // a key may hold bytes that are not UTF-8 (xattr names)
      int rest = 1 + keyBytes.length + 1 + value.length + 1; // " key=value\n"
      int len = rest + Integer.toString(rest).length();
      if (Integer.toString(len).length() != Integer.toString(rest).length()) {
        len++;
      }
      body.writeBytes((len + " ").getBytes(UTF_8));
      body.writeBytes(keyBytes);
      body.write('=');
      body.writeBytes(value);
      body.write('\n');
    });
    byte[] data = body.toByteArray();
    raw(ustarHeader("PaxHeaders/entry".getBytes(UTF_8), TarConstants.LF_PAX_EXTENDED_HEADER_LC, data.length, new byte[0]));
    return raw(padded(data));
  }

  private TarBuilder raw(byte[] records) {
    if (finished != null) {
      throw new IllegalStateException("the tar is already finished");
    }
    bytes.writeBytes(records);
    return this;
  }

  private static byte[] padded(byte[] data) {
    int records = (data.length + TarConstants.DEFAULT_RCDSIZE - 1) / TarConstants.DEFAULT_RCDSIZE;
    return Arrays.copyOf(data, records * TarConstants.DEFAULT_RCDSIZE);
  }

  /** A ustar header: mode 0644, owner 0:0, {@link #DEFAULT_MTIME}. */
  private static byte[] ustarHeader(byte[] name, byte type, long size, byte[] linkName) {
    byte[] h = new byte[TarConstants.DEFAULT_RCDSIZE];
    if (name.length > 100 || linkName.length > 100) {
      throw new IllegalArgumentException("a ustar name holds at most 100 bytes");
    }
    System.arraycopy(name, 0, h, 0, name.length);
    octal(h, 100, 8, 0644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, size);
    octal(h, 136, 12, DEFAULT_MTIME);
    h[156] = type;
    System.arraycopy(linkName, 0, h, 157, linkName.length);
    System.arraycopy("ustar\u000000".getBytes(UTF_8), 0, h, 257, 8);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    return h;
  }

  private static void octal(byte[] h, int at, int len, long value) {
    byte[] digits = String.format("%0" + (len - 1) + "o", value).getBytes(UTF_8);
    System.arraycopy(digits, 0, h, at, len - 1);
    h[at + len - 1] = 0;
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
