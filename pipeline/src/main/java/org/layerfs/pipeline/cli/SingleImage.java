package org.layerfs.pipeline.cli;

import java.io.IOException;
import java.util.Optional;
import java.util.stream.Collectors;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;

/** Resolves a reference that must name exactly one image, as {@code unpack} and {@code diff} need. */
public final class SingleImage {
  private SingleImage() {}

  /**
   * The one image {@code ref} names (with {@code platform} applied, registries reached with
   * {@code registry}). Several images are a usage
   * error that lists them; none is a failure with the reasons.
   */
  public static ResolvedImage resolve(ImageReference ref, Optional<Platform> platform, RegistryConfig registry) throws UsageException, IOException {
    Resolution r;
    try (ImageSource source = ImageSources.open(ref.store(), registry)) {
      r = source.resolve(ref, platform);
    }
    if (r.images().size() == 1) {
      ResolvedImage image = r.images().get(0);
      if (image.isArtifact()) {
        throw new IOException(image.name() + " (" + image.manifestDigest() + ") is an OCI artifact of type "
            + image.manifest().artifactKind() + ", not a container image: it has no file system");
      }
      return image;
    }
    if (r.images().isEmpty()) {
      String why = r.failures().stream().map(f -> f.image() + ": " + f.message()).collect(Collectors.joining("; "));
      throw new IOException(ref + ": no image" + (why.isEmpty() ? "" : ": " + why));
    }
    String names = r.images().stream()
        .map(i -> i.name() + (i.indexDigest().isPresent() ? "" : " [" + i.platform() + "]"))
        .collect(Collectors.joining("\n  ", "\n  ", ""));
    throw new UsageException(ref + " names " + r.images().size()
        + " images; name one (a tag, @DIGEST or --platform):" + names);
  }
}
