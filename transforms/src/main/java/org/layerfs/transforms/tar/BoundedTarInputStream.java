package org.layerfs.transforms.tar;

import com.google.common.io.CountingInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
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
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
  /** The default bound on a PAX header or GNU long name: no sane layer comes near it. */
  public static final int DEFAULT_MAX_HEADER_SIZE = 1 << 20;

  private static final int SIZE_OFFSET = 124;
  private static final int TYPE_OFFSET = 156;
  /** Where an old GNU header (type S) holds the sparse file's real size. */
  private static final int OLD_GNU_REAL_SIZE_OFFSET = 483;
  private final CountingInputStream counted;
  private final int maxHeaderSize;
  /** The records of the last PAX header read, to say what a sparse file Commons Compress refuses is. */
  private final ByteArrayOutputStream paxRecords = new ByteArrayOutputStream();
  /** The name field of the last entry header read (PAX sparse 0.0 keeps the real name there). */
  private String lastHeaderName = "?";

  public BoundedTarInputStream(InputStream in, int maxHeaderSize) {
    this(new CountingInputStream(in), maxHeaderSize);
  }

  private BoundedTarInputStream(CountingInputStream counted, int maxHeaderSize) {
    super(counted, StandardCharsets.UTF_8.name());
    this.counted = counted;
    this.maxHeaderSize = maxHeaderSize;
  }

  @Override
  public TarArchiveEntry getNextEntry() throws IOException {
    try {
      return super.getNextEntry();
    } catch (IOException e) {
      Optional<String> sparse = sparseTooLarge();
      if (sparse.isPresent()) {
        throw new LayerFormatException(sparse.get(), e);
      }
      throw e;
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    TarArchiveEntry current = getCurrentEntry();
    if (n > 0 && current != null && current.isPaxHeader()) {
      paxRecords.write(b, off, n); // no more than maxHeaderSize: a larger header is refused first
    }
    return n;
  }

  /**
   * Commons Compress parses a GNU sparse file's real size (PAX {@code GNU.sparse.size} or
   * {@code GNU.sparse.realsize}) as an int: a sparse file of 2 GiB or more (lastlog of a large
   * uid) fails as a number it cannot parse. Say what it is instead.
   */
  private Optional<String> sparseTooLarge() {
    Map<String, String> records = new HashMap<>();
    for (String line : paxRecords.toString(StandardCharsets.UTF_8).split("\n")) {
      int space = line.indexOf(' ');
      int eq = line.indexOf('=', space + 1);
      if (space > 0 && eq > space) {
        records.put(line.substring(space + 1, eq), line.substring(eq + 1));
      }
    }
    String size = records.getOrDefault("GNU.sparse.realsize", records.get("GNU.sparse.size"));
    if (size == null || !size.matches("[0-9]{1,18}") || Long.parseLong(size) <= Integer.MAX_VALUE) {
      return Optional.empty();
    }
    String name = records.getOrDefault("GNU.sparse.name", records.getOrDefault("path", lastHeaderName));
    return Optional.of("entry \"" + name + "\": a GNU sparse file of " + size
        + " bytes; the tar reader (Commons Compress) expands sparse files below 2 GiB only");
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
      if (type == TarConstants.LF_PAX_EXTENDED_HEADER_LC || type == TarConstants.LF_PAX_EXTENDED_HEADER_UC) {
        paxRecords.reset();
      } else {
        lastHeaderName = TarUtils.parseName(record, 0, TarConstants.NAMELEN);
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
