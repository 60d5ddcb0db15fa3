package org.layerfs.io.blob;

import java.io.IOException;
import java.io.InputStream;
import org.layerfs.io.model.Descriptor;

/** Small helpers for whole-blob reads. */
public final class Blobs {
  /** Manifests and configs larger than this are refused rather than read into memory. */
  public static final long MAX_METADATA_BLOB = 64L << 20;

  private Blobs() {}

  /** Reads a manifest or config whole from {@code in}, verified against {@code blob}. */
  public static byte[] readVerified(InputStream in, Descriptor blob, String what) throws IOException {
    if (blob.size() > MAX_METADATA_BLOB) {
      throw new BlobVerificationException(
          what + ": declares " + blob.size() + " bytes, more than a manifest or config may have");
    }
    try (VerifyingInputStream v = new VerifyingInputStream(in, blob, what)) {
      return v.readAllBytes();
    }
  }
}
