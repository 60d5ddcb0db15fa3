package org.layerfs.transforms.tar;

import com.google.common.io.CountingInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  private final CountingInputStream counted;
  private final int maxHeaderSize;

  public BoundedTarInputStream(InputStream in, int maxHeaderSize) {
    this(new CountingInputStream(in), maxHeaderSize);
  }

  private BoundedTarInputStream(CountingInputStream counted, int maxHeaderSize) {
    super(counted, StandardCharsets.UTF_8.name());
    this.counted = counted;
    this.maxHeaderSize = maxHeaderSize;
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
