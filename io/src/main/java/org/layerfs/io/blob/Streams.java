package org.layerfs.io.blob;

import java.io.IOException;
import java.io.InputStream;

/** Helpers for the filtering streams that must see every byte they pass on. */
public final class Streams {
  private Streams() {}

  /** {@code read()} through {@code in}'s own bulk read, for streams whose work is all in it: the byte, or -1 at the end. */
  public static int readOne(InputStream in) throws IOException {
    byte[] one = new byte[1];
    return in.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  /**
   * Skips by reading through {@code in}'s own {@code read}, so a stream that digests or counts
   * what it passes still sees the skipped bytes (a plain skip would jump over them).
   */
  public static long skipByReading(InputStream in, long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
    long done = 0;
    while (done < n) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }
}
