package org.layerfs.io.blob;

import java.io.IOException;
import java.io.InputStream;

/**
 * Opens a blob's bytes from any offset, as often as asked: an upload that broke continues from
 * where the destination's copy ends instead of starting over.
 */
@FunctionalInterface
public interface BlobOpener {
  /** The blob's bytes from byte {@code offset} on (0: all of them); the caller closes the stream. */
  InputStream open(long offset) throws IOException;
}
