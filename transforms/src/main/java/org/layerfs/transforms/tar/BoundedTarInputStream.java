package org.layerfs.transforms.tar;

import com.google.common.io.CountingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * A tar reader for untrusted layers. It refuses oversized PAX extended headers and GNU long
 * names before reading them (Commons Compress reads such a header whole into memory, however
 * large its declared size), and it reports a stream that ends inside a header record as
 * truncated, as GNU tar does, where Commons Compress would take it for the end of the archive.
 *
 * <p>Names are bytes ({@link TarNames}): every entry it returns has its name, link name, user and
 * group names and {@code SCHILY.xattr.*} names and values as {@link TarNames#decode} of their exact bytes,
 * from the header, a GNU long name or a PAX record alike ({@code hdrcharset=BINARY} or not: Go
 * writes raw bytes without it). Commons Compress decodes PAX values as UTF-8, replacing what is
 * not, so the raw PAX records of each entry are kept as they pass and applied over its decoding.
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
  /** The default bound on a PAX header or GNU long name: no sane layer comes near it. */
  public static final int DEFAULT_MAX_HEADER_SIZE = 1 << 20;

  private static final int SIZE_OFFSET = 124;
  private static final int TYPE_OFFSET = 156;
  /** Where an old GNU header (type S) holds the sparse file's real size. */
  private static final int OLD_GNU_REAL_SIZE_OFFSET = 483;
  private static final String PATH = "path";
  /** GNU sparse formats 0.1 and 1.0 keep the real name here; {@code path} is a stand-in. */
  private static final String SPARSE_NAME = "GNU.sparse.name";
  private static final String LINKPATH = "linkpath";
  private static final String UNAME = "uname";
  private static final String GNAME = "gname";
  private static final String SCHILY_XATTR = "SCHILY.xattr.";

  private final CountingInputStream counted;
  private final int maxHeaderSize;
  /** The bytes of the PAX extended headers read for the entry being read, in order. */
  private final ByteArrayOutputStream paxBytes = new ByteArrayOutputStream();
  /** getNextEntry calls itself for the entry after a PAX header: only the outer call finishes it. */
  private int depth;
  /** The name field of the last entry header read (PAX sparse 0.0 keeps the real name there). */
  private String lastHeaderName = "?";

  public BoundedTarInputStream(InputStream in, int maxHeaderSize) {
    this(new CountingInputStream(in), maxHeaderSize);
  }

  private BoundedTarInputStream(CountingInputStream counted, int maxHeaderSize) {
    // ISO-8859-1 maps each header byte to one char: the exact bytes, decoded by TarNames.
    super(counted, StandardCharsets.ISO_8859_1.name());
    this.counted = counted;
    this.maxHeaderSize = maxHeaderSize;
  }

  @Override
  public TarArchiveEntry getNextEntry() throws IOException {
    if (depth == 0) {
      paxBytes.reset();
    }
    depth++;
    TarArchiveEntry e;
    try {
      e = super.getNextEntry();
    } catch (IOException ex) {
      Optional<String> sparse = depth == 1 ? sparseTooLarge() : Optional.empty();
      if (sparse.isPresent()) {
        throw new LayerFormatException(sparse.get(), ex);
      }
      throw ex;
    } finally {
      depth--;
    }
    if (e != null && depth == 0) {
      restoreNames(e);
    }
    return e;
  }

  /** Keeps the bytes of a PAX extended header as Commons Compress parses them. */
  @Override
  public int read(byte[] buf, int offset, int len) throws IOException {
    int n = super.read(buf, offset, len);
    TarArchiveEntry current = getCurrentEntry();
    if (n > 0 && current != null && current.isPaxHeader()) {
      paxBytes.write(buf, offset, n);
    }
    return n;
  }

  /**
   * Commons Compress parses a GNU sparse file's real size (PAX {@code GNU.sparse.size} or
   * {@code GNU.sparse.realsize}) as an int: a sparse file of 2 GiB or more (lastlog of a large
   * uid) fails as a number it cannot parse. Say what it is instead.
   */
  private Optional<String> sparseTooLarge() {
    Map<String, byte[]> records = rawPaxRecords(paxBytes.toByteArray());
    byte[] raw = records.getOrDefault("GNU.sparse.realsize", records.get("GNU.sparse.size"));
    String size = raw == null ? "" : new String(raw, StandardCharsets.US_ASCII);
    if (!size.matches("[0-9]{1,18}") || Long.parseLong(size) <= Integer.MAX_VALUE) {
      return Optional.empty();
    }
    byte[] name = records.getOrDefault(SPARSE_NAME, records.get(PATH));
    return Optional.of("entry \"" + (name == null ? lastHeaderName : TarNames.display(TarNames.decode(name)))
        + "\": a GNU sparse file of " + size + " bytes; the tar reader (Commons Compress) expands sparse files below 2 GiB only");
  }

  private void restoreNames(TarArchiveEntry e) {
    Map<String, byte[]> pax = rawPaxRecords(paxBytes.toByteArray());
    e.setName(fromPaxOrHeader(pax.getOrDefault(SPARSE_NAME, pax.get(PATH)), e.getName()));
    e.setLinkName(fromPaxOrHeader(pax.get(LINKPATH), e.getLinkName()));
    e.setUserName(fromPaxOrHeader(pax.get(UNAME), e.getUserName()));
    e.setGroupName(fromPaxOrHeader(pax.get(GNAME), e.getGroupName()));
    Map<String, String> extra = new LinkedHashMap<>(e.getExtraPaxHeaders());
    for (Map.Entry<String, byte[]> r : pax.entrySet()) {
      if (r.getKey().startsWith(SCHILY_XATTR)) {
        // Commons Compress keyed it by the name decoded as UTF-8, U+FFFD for what is not.
        extra.remove(new String(TarNames.encode(r.getKey()), StandardCharsets.UTF_8));
        extra.put(r.getKey(), TarNames.decode(r.getValue()));
      }
    }
    e.clearExtraPaxHeaders();
    extra.forEach(e::addPaxHeader);
  }

  /** The PAX record's bytes when there is one, else the header's (read as ISO-8859-1). */
  private static String fromPaxOrHeader(byte[] pax, String header) {
    return TarNames.decode(pax != null ? pax : header.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * The records {@code "LEN KEY=VALUE\n"} of PAX headers as key ({@link TarNames}: the xattr name
   * in a key may be any bytes) to raw value; a later record wins. Commons Compress has already
   * parsed these bytes and refused malformed ones, so parsing stops quietly at anything unexpected.
   */
  private static Map<String, byte[]> rawPaxRecords(byte[] data) {
    Map<String, byte[]> records = new HashMap<>();
    int at = 0;
    while (at < data.length) {
      int space = indexOf(data, (byte) ' ', at, data.length);
      if (space < 0) {
        break;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, at, space - at, StandardCharsets.US_ASCII).trim());
      } catch (NumberFormatException ex) {
        break;
      }
      int end = at + len;
      if (len <= 0 || end > data.length || data[end - 1] != '\n') {
        break;
      }
      int equals = indexOf(data, (byte) '=', space + 1, end);
      if (equals > 0) {
        String key = TarNames.decode(Arrays.copyOfRange(data, space + 1, equals));
        byte[] value = new byte[end - 1 - (equals + 1)];
        System.arraycopy(data, equals + 1, value, 0, value.length);
        if (value.length == 0) {
          records.remove(key); // an empty value removes the record
        } else {
          records.put(key, value);
        }
      }
      at = end;
    }
    return records;
  }

  private static int indexOf(byte[] data, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }

  @Override
  protected byte[] readRecord() throws IOException {
    byte[] record = super.readRecord();
    if (record == null) {
      if (!isAtEOF() && counted.getCount() % TarConstants.DEFAULT_RCDSIZE != 0) {
        throw new EOFException("truncated: the stream ends inside a tar header record");
      }
      return null;
    }
    if (isUstar(record)) {
      byte type = record[TYPE_OFFSET];
      boolean longName = type == TarConstants.LF_GNUTYPE_LONGNAME || type == TarConstants.LF_GNUTYPE_LONGLINK;
      if (type != TarConstants.LF_PAX_EXTENDED_HEADER_LC && type != TarConstants.LF_PAX_EXTENDED_HEADER_UC) {
        int end = indexOf(record, (byte) 0, 0, TarConstants.NAMELEN);
        lastHeaderName = TarNames.display(TarNames.decode(Arrays.copyOf(record, end < 0 ? TarConstants.NAMELEN : end)));
      }
      if (type == TarConstants.LF_GNUTYPE_SPARSE && (record[OLD_GNU_REAL_SIZE_OFFSET] & 0x80) != 0) {
        // Commons Compress reads this field as octal only: past 8 GiB GNU tar writes base-256.
        throw new LayerFormatException("entry \"" + lastHeaderName + "\": an old GNU sparse file (type S) of "
            + TarUtils.parseOctalOrBinary(record, OLD_GNU_REAL_SIZE_OFFSET, TarConstants.REALSIZELEN_GNU)
            + " bytes; the tar reader (Commons Compress) reads them below 8 GiB only");
      }
      if (longName || type == TarConstants.LF_PAX_EXTENDED_HEADER_LC || type == TarConstants.LF_PAX_EXTENDED_HEADER_UC
          || type == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER) {
        long size = TarUtils.parseOctalOrBinary(record, SIZE_OFFSET, TarConstants.SIZELEN);
        if (size > maxHeaderSize) {
          throw new HeaderTooLargeException(
              "a " + (longName ? "GNU long name" : "PAX header") + " of " + size + " bytes exceeds the limit of " + maxHeaderSize);
        }
      }
    }
    return record;
  }

  /** Header records carry "ustar" at offset 257; old GNU sparse extension records do not. */
  private static boolean isUstar(byte[] record) {
    int at = TarConstants.MAGIC_OFFSET;
    return record.length >= at + 5 && record[at] == 'u' && record[at + 1] == 's' && record[at + 2] == 't'
        && record[at + 3] == 'a' && record[at + 4] == 'r';
  }

  /** A PAX header or GNU long name larger than the bound, refused before it is read. */
  public static final class HeaderTooLargeException extends LayerFormatException {
    private static final long serialVersionUID = 1L;

    HeaderTooLargeException(String message) {
      super(message);
    }
  }
}
