package org.layerfs.io.blob;

import java.io.IOException;

/** A blob whose bytes do not match its descriptor: wrong digest, too short or too long. */
public class BlobVerificationException extends IOException {
  private static final long serialVersionUID = 1L;

  public BlobVerificationException(String message) {
    super(message);
  }
}
