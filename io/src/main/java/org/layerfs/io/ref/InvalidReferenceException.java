package org.layerfs.io.ref;

/** An image reference that does not parse; the message holds the offending text. */
public class InvalidReferenceException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidReferenceException(String reference, String why) {
    super("invalid image reference \"" + reference + "\": " + why);
  }
}
