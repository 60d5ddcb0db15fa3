package org.layerfs.transforms.tar;

import java.io.IOException;

/** A layer whose content is broken: a corrupt compressed stream, a broken tar, a bad entry. */
public class LayerFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public LayerFormatException(String message) {
    super(message);
  }

  public LayerFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
