package org.layerfs.io.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;

/**
 * Digests a blob while it streams and, at its end, checks size and digest against the
 * descriptor. The check throws from the read that reaches the end, so no consumer can take a
 * wrong blob for a whole one; reading past the declared size fails at once.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Descriptor expected;
  private final String what;
  private final MessageDigest digest;
  private long count;
  private boolean verified;

  /** {@code what} names the blob in errors, e.g. "layer sha256:... of oci:dir:tag". */
  public VerifyingInputStream(InputStream in, Descriptor expected, String what) {
    super(in);
    this.expected = expected;
    this.what = what;
    this.digest = expected.digest().newMessageDigest();
  }

  @Override
  public int read() throws IOException {
    return Streams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) {
      verify();
      return -1;
    }
    digest.update(b, off, n);
    count += n;
    if (count > expected.size()) {
      throw new BlobVerificationException(
          what + ": longer than the " + expected.size() + " bytes its descriptor declares");
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

  /** Reads whatever is left and verifies; for consumers that stop before the end of the blob. */
  public void drainAndVerify() throws IOException {
    byte[] buf = new byte[65536];
    while (read(buf, 0, buf.length) >= 0) {
      // drained
    }
  }

  /**
   * The error to report for {@code contentError}, something wrong found in the blob's content: a
   * blob that is not the one its descriptor names explains any such thing, so the rest is read
   * and verified first. Returns the verification failure (with {@code contentError} suppressed)
   * when the blob is wrong, else {@code contentError}, also when the rest cannot be read.
   */
  public IOException explain(IOException contentError) {
    try {
      drainAndVerify();
    } catch (BlobVerificationException wrongBlob) {
      wrongBlob.addSuppressed(contentError);
      return wrongBlob;
    } catch (IOException unreadable) {
      // The blob cannot be read to its end either: the content error is the one to report.
    }
    return contentError;
  }

  /** The number of bytes read so far. */
  public long count() {
    return count;
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    if (count != expected.size()) {
      throw new BlobVerificationException(
          what + ": truncated: " + count + " of the " + expected.size() + " bytes its descriptor declares");
    }
    Digest actual = Digest.fromBytes(expected.digest().algorithm(), digest.digest());
    if (!actual.equals(expected.digest())) {
      throw new BlobVerificationException(
          what + ": digest mismatch: expected " + expected.digest() + ", actual " + actual);
    }
    verified = true;
  }
}
