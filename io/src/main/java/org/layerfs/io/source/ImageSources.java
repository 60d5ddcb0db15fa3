package org.layerfs.io.source;

import java.io.IOException;
import java.nio.file.Path;
import org.layerfs.io.archive.DockerArchive;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;

/** Opens the {@link ImageSource} a reference points into. */
public final class ImageSources {
  private ImageSources() {}

  public static ImageSource open(ImageReference reference) throws IOException {
    return switch (reference.transport()) {
      case OCI -> OciLayout.open(Path.of(reference.location()));
      case DOCKER_ARCHIVE -> DockerArchive.open(Path.of(reference.location()));
      case DOCKER -> throw new IOException(
          reference + ": registry sources are not supported yet (use oci: or docker-archive:)");
    };
  }
}
