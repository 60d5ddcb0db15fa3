package org.layerfs.io.source;

import java.io.IOException;
import java.nio.file.Path;
import org.layerfs.io.archive.DockerArchive;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistrySource;

/** Opens the {@link ImageSource} a reference points into. */
public final class ImageSources {
  private ImageSources() {}

  /** Opens the source, reaching registries with {@link RegistryConfig#defaults()}. */
  public static ImageSource open(ImageReference reference) throws IOException {
    return open(reference, RegistryConfig.defaults());
  }

  /** Opens the source; {@code registryConfig} applies to {@code docker://} references. */
  public static ImageSource open(ImageReference reference, RegistryConfig registryConfig) throws IOException {
    return switch (reference.transport()) {
      case OCI -> OciLayout.open(Path.of(reference.location()));
      case DOCKER_ARCHIVE -> DockerArchive.open(Path.of(reference.location()));
      case DOCKER -> RegistrySource.open(reference, registryConfig);
    };
  }
}
