package org.layerfs.io.registry;

import java.io.IOException;
import java.util.Optional;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.source.ImageSource;

/** Copies an image or index from a source to a destination the way a copy job does: blobs, children, then the root. */
final class Pushing {
  private Pushing() {}

  static void push(ImageSource from, ImageDestination to, Descriptor root, Optional<String> tag) throws IOException {
    byte[] bytes = from.readBlob(root);
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(bytes, root.mediaType(), root.digest().toString());
    if (doc.index().isPresent()) {
      for (Descriptor child : doc.index().get().manifests()) {
        push(from, to, child, Optional.empty());
      }
    } else {
      pushBlob(from, to, doc.manifest().get().config());
      for (Descriptor layer : doc.manifest().get().layers()) {
        pushBlob(from, to, layer);
      }
    }
    to.putManifest(root, bytes, tag);
  }

  private static void pushBlob(ImageSource from, ImageDestination to, Descriptor blob) throws IOException {
    if (!to.hasBlob(blob)) {
      to.putBlob(blob, offset -> from.openBlob(blob, offset));
    }
  }
}
