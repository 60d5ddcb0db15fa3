package org.layerfs.io.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;

/** A place images can be read from: an OCI layout, a docker archive or a registry. */
public interface ImageSource extends Closeable {

  /**
   * Finds every image {@code reference} names, indexes expanded to their platform images (only
   * those {@code platform} selects, when given). A failure that touches one image is returned in
   * the resolution; one that touches the whole reference is thrown.
   */
  Resolution resolve(ImageReference reference, Optional<Platform> platform) throws IOException;

  /**
   * Opens a blob's bytes as they are stored; the caller verifies them against the descriptor
   * while it streams. A missing blob throws an exception naming the blob and this source.
   */
  InputStream openBlob(Descriptor blob) throws IOException;

  /**
   * Opens a blob's bytes from byte {@code offset} on, as {@link #openBlob(Descriptor)} does; by
   * default by reading past the bytes before it.
   */
  default InputStream openBlob(Descriptor blob, long offset) throws IOException {
    InputStream in = openBlob(blob);
    try {
      in.skipNBytes(offset);
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Reads a small blob (a manifest or config) whole, verified against its descriptor. */
  byte[] readBlob(Descriptor blob) throws IOException;
}
