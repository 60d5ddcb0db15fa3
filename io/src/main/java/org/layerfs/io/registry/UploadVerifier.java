package org.layerfs.io.registry;

import java.security.MessageDigest;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;

/**
 * Digests an upload's bytes once each and in order, however often a part of them is sent again
 * after a broken transfer, and checks size and digest against the descriptor once the last byte
 * has been read. A resent part is the source read again: the registry's digest check on the final
 * PUT refuses it if it changed.
 */
final class UploadVerifier {
  private final Descriptor blob;
  private final String what;
  private final MessageDigest digest;
  private long hashed;
  private boolean verified;

  /** {@code what} names the upload in errors. */
  UploadVerifier(Descriptor blob, String what) {
    this.blob = blob;
    this.what = what;
    this.digest = blob.digest().newMessageDigest();
  }

  /** How many bytes have been read from the start on, the most that can have been sent. */
  synchronized long hashed() {
    return hashed;
  }

  /**
   * Takes {@code bytes[0..n)}, read from blob byte {@code position} on, which may be no further
   * than {@link #hashed}: the part past it is digested.
   */
  synchronized void read(long position, byte[] bytes, int n) {
    if (position > hashed) {
      throw new IllegalStateException(what + ": bytes from " + position + " read before those from " + hashed);
    }
    long end = position + n;
    if (end > hashed) {
      int skip = (int) (hashed - position);
      digest.update(bytes, skip, n - skip);
      hashed = end;
    }
  }

  /**
   * Checks size and digest once every declared byte has been read ({@code more}: the source had
   * bytes past them); again, after it passed, it passes at once.
   */
  synchronized void verify(boolean more) throws BlobVerificationException {
    if (verified) {
      return;
    }
    if (more) {
      throw new BlobVerificationException(what + ": longer than the " + blob.size() + " bytes its descriptor declares");
    }
    if (hashed != blob.size()) {
      throw new BlobVerificationException(
          what + ": truncated: " + hashed + " of the " + blob.size() + " bytes its descriptor declares");
    }
    Digest actual = Digest.fromBytes(blob.digest().algorithm(), digest.digest());
    if (!actual.equals(blob.digest())) {
      throw new BlobVerificationException(what + ": digest mismatch: expected " + blob.digest() + ", actual " + actual);
    }
    verified = true;
  }
}
