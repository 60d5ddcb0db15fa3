package org.layerfs.transforms.compress;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.layerfs.io.blob.Streams;
import org.layerfs.transforms.tar.LayerFormatException;

/**
 * The gzip members of a layer (RFC 1952), decompressed one after another as one stream: pigz,
 * concatenated files and eStargz (a member per entry) write several. Unlike {@code
 * java.util.zip.GZIPInputStream}, which ends quietly at the first bytes after a member that are not
 * a gzip header, anything after the last member fails the layer with its byte offset, as Go's
 * {@code compress/gzip} (umoci, containerd, Docker) fails it.
 *
 * <p>That includes zero bytes: GNU gzip ignores zeros after the last member (tape-block padding),
 * but a layer padded so would not be pulled by Docker or unpacked by umoci, so no image that runs
 * has it; refusing keeps the catalog of a layer the same as what those tools would give or refuse.
 */
final class GzipMembers extends InputStream {
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final InputStream in;
  private final byte[] buf;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final CRC32 headerCrc = new CRC32();
  /** Offset in the blob of {@code buf[0]}; {@code buf[pos..lim)} is not yet consumed. */
  private long bufStart;
  private int pos;
  private int lim;
  private long memberStart;
  private boolean inMember;
  private boolean ended;

  GzipMembers(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[bufferSize];
  }

  @Override
  public int read() throws IOException {
    return Streams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!ended) {
      if (!inMember) {
        inMember = startMember();
        continue;
      }
      int n = inflate(b, off, len);
      if (n > 0) {
        crc.update(b, off, n);
        return n;
      }
      if (inflater.finished()) {
        endMember();
      } else if (inflater.needsInput()) {
        if (pos == lim && !fill()) {
          throw truncated();
        }
        inflater.setInput(buf, pos, lim - pos);
        pos = lim;
      } else {
        throw new LayerFormatException("the gzip member at byte offset " + memberStart + " needs a preset dictionary");
      }
    }
    return -1;
  }

  private int inflate(byte[] b, int off, int len) throws LayerFormatException {
    try {
      return inflater.inflate(b, off, len);
    } catch (DataFormatException e) {
      throw new LayerFormatException(
          "invalid deflate data in the gzip member at byte offset " + memberStart + ": " + e.getMessage(), e);
    }
  }

  /** Reads a member's header; false at the end of the blob, which may only come after a member. */
  private boolean startMember() throws IOException {
    if (pos == lim && !fill()) {
      ended = true;
      return false;
    }
    while (lim - pos < 2 && fill()) {
      // the magic number may straddle two reads
    }
    if (lim - pos < 2 || buf[pos] != (byte) 0x1f || buf[pos + 1] != (byte) 0x8b) {
      throw trailing();
    }
    memberStart = bufStart + pos;
    headerCrc.reset();
    headerByte();
    headerByte();
    int method = headerByte();
    if (method != 8) {
      throw new LayerFormatException(
          "the gzip member at byte offset " + memberStart + " has compression method " + method + ", not deflate (8)");
    }
    int flags = headerByte();
    for (int i = 0; i < 6; i++) {
      headerByte(); // MTIME, XFL, OS
    }
    if ((flags & FEXTRA) != 0) {
      int extra = headerByte() | headerByte() << 8;
      for (int i = 0; i < extra; i++) {
        headerByte();
      }
    }
    if ((flags & FNAME) != 0) {
      while (headerByte() != 0) {
        // the original file name, unused
      }
    }
    if ((flags & FCOMMENT) != 0) {
      while (headerByte() != 0) {
        // a comment, unused
      }
    }
    if ((flags & FHCRC) != 0) {
      int expected = (int) headerCrc.getValue() & 0xffff;
      if ((nextByte() | nextByte() << 8) != expected) {
        throw new LayerFormatException("header checksum mismatch in the gzip member at byte offset " + memberStart);
      }
    }
    inflater.reset();
    crc.reset();
    return true;
  }

  /** Checks a finished member's trailer: CRC-32 and length modulo 2^32 of its data. */
  private void endMember() throws IOException {
    pos = lim - inflater.getRemaining();
    long expectedCrc = nextInt();
    long expectedSize = nextInt();
    if (expectedCrc != crc.getValue()) {
      throw new LayerFormatException("CRC-32 mismatch in the gzip member at byte offset " + memberStart);
    }
    if (expectedSize != (inflater.getBytesWritten() & 0xffffffffL)) {
      throw new LayerFormatException("length mismatch in the gzip member at byte offset " + memberStart);
    }
    inMember = false;
  }

  /** Describes what follows the last member (read to the end, to count it) as an error. */
  private LayerFormatException trailing() throws IOException {
    long at = bufStart + pos;
    StringBuilder start = new StringBuilder();
    boolean zeros = true;
    long count = 0;
    do {
      for (; pos < lim; pos++, count++) {
        zeros &= buf[pos] == 0;
        if (count < 8) {
          start.append(count == 0 ? "" : " ").append(String.format("%02x", buf[pos] & 0xff));
        }
      }
    } while (fill());
    return zeros
        ? new LayerFormatException(count + " zero bytes follow the last gzip member, at byte offset " + at)
        : new LayerFormatException(count + " bytes that are not a gzip member follow the last member, at byte offset "
            + at + " (they start " + start + ")");
  }

  private LayerFormatException truncated() {
    return new LayerFormatException("the gzip member at byte offset " + memberStart + " is truncated");
  }

  private int headerByte() throws IOException {
    int b = nextByte();
    headerCrc.update(b);
    return b;
  }

  private long nextInt() throws IOException {
    return (nextByte() | nextByte() << 8 | nextByte() << 16 | (long) nextByte() << 24) & 0xffffffffL;
  }

  private int nextByte() throws IOException {
    if (pos == lim && !fill()) {
      throw truncated();
    }
    return buf[pos++] & 0xff;
  }

  /** Reads more of the blob into the buffer, after its unconsumed bytes; false at its end. */
  private boolean fill() throws IOException {
    System.arraycopy(buf, pos, buf, 0, lim - pos);
    bufStart += pos;
    lim -= pos;
    pos = 0;
    int n = 0;
    while (n == 0 && lim < buf.length) {
      n = in.read(buf, lim, buf.length - lim);
    }
    if (n < 0) {
      return false;
    }
    lim += n;
    return true;
  }
}
