package org.layerfs.transforms.unpack;

import java.io.IOException;
import org.layerfs.transforms.tar.TarNames;

/**
 * An entry an unpack refuses because writing it could reach outside the tree or exceed a limit.
 * The message names the entry; {@link #in} adds the image and the layer.
 */
public final class UnsafeEntryException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnsafeEntryException(String message) {
    super(message);
  }

  /** The refusal of entry {@code path}: {@code entry "path": reason}. */
  public static UnsafeEntryException entry(String path, String reason) {
    return new UnsafeEntryException("entry \"" + TarNames.display(path) + "\": " + reason);
  }

  /** This refusal with the image and layer it happened in, as users see it. */
  public UnsafeEntryException in(String image, String layer) {
    UnsafeEntryException e = new UnsafeEntryException(image + ": layer " + layer + ": " + getMessage());
    e.setStackTrace(getStackTrace());
    return e;
  }
}
