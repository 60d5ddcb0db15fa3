package org.layerfs.io.model;

import java.io.IOException;

/** A manifest, index, config or layout file that is missing, malformed or of an unknown kind. */
public class ImageFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public ImageFormatException(String message) {
    super(message);
  }

  public ImageFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
