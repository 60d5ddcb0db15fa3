package org.layerfs.io.source;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageConfig;
import org.layerfs.io.model.ImageIndex;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.Manifest;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;

/**
 * Expands a manifest or index descriptor into platform images, the same way for every source:
 * nested indexes followed, attestation manifests skipped, {@code --platform} applied.
 */
public final class ManifestResolver {
  private static final int MAX_DEPTH = 4;
  private static final String REFERENCE_TYPE = "vnd.docker.reference.type";
  /** How the failure of a reference with no image for the platform asked begins. */
  public static final String NO_IMAGE_FOR_PLATFORM = "no image for platform ";
  private static final Platform UNKNOWN = Platform.of("unknown", "unknown", Optional.empty());

  private final ImageSource source;
  private final Optional<Platform> platform;
  private final List<ResolvedImage> images = new ArrayList<>();
  private final List<ImageFailure> failures = new ArrayList<>();

  public ManifestResolver(ImageSource source, Optional<Platform> platform) {
    this.source = source;
    this.platform = platform;
  }

  /** Expands one root descriptor found under {@code reference}; failures are collected. */
  public void expand(ImageReference reference, Descriptor root) {
    int images0 = images.size();
    int failures0 = failures.size();
    expand(reference, root, root, Optional.empty(), 0);
    if (platform.isPresent() && images.size() == images0 && failures.size() == failures0) {
      failures.add(ImageFailure.of(reference.toString(), NO_IMAGE_FOR_PLATFORM + platform.get()));
    }
  }

  private void expand(
      ImageReference reference, Descriptor root, Descriptor desc, Optional<Digest> index, int depth) {
    String what = "manifest " + desc.digest() + " of " + reference;
    try {
      if (depth > MAX_DEPTH) {
        throw new IOException(what + ": indexes nested deeper than " + MAX_DEPTH);
      }
      byte[] bytes = source.readBlob(desc);
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(bytes, desc.mediaType(), what);
      if (doc.index().isPresent()) {
        expandIndex(reference, root, doc.index().get(), desc.digest(), depth);
        return;
      }
      Manifest manifest = doc.manifest().get();
      String configWhat = "config " + manifest.config().digest() + " of " + reference;
      // An artifact's config is not an image config: its platform is what its index says, if anything.
      ImageConfig config = manifest.isArtifact()
          ? ImageConfig.of(desc.platform().orElse(UNKNOWN), ImmutableList.of())
          : ImageJson.parseConfig(source.readBlob(manifest.config()), configWhat);
      if (index.isPresent() && platform.isPresent() && !platform.get().selects(config.platform())) {
        return;
      }
      if (!manifest.isArtifact() && config.diffIds().size() != manifest.layers().size()) {
        throw new IOException(
            configWhat + ": has " + config.diffIds().size() + " diff_ids but the manifest has "
                + manifest.layers().size() + " layers");
      }
      images.add(ResolvedImage.of(reference, desc, manifest, config, index, root));
    } catch (IOException e) {
      failures.add(ImageFailure.of(reference.toString(), e.getMessage()));
    }
  }

  private void expandIndex(
      ImageReference reference, Descriptor root, ImageIndex index, Digest indexDigest, int depth) {
    for (Descriptor child : index.manifests()) {
      if (child.annotations().containsKey(REFERENCE_TYPE)) {
        continue; // attestations and signatures are not images
      }
      Optional<Platform> p = child.platform();
      if (p.isPresent() && p.get().os().equals("unknown") && p.get().architecture().equals("unknown")) {
        continue;
      }
      if (p.isPresent() && platform.isPresent() && !platform.get().selects(p.get())) {
        continue;
      }
      expand(reference, root, child, Optional.of(indexDigest), depth + 1);
    }
  }

  public Resolution result() {
    return new Resolution(ImmutableList.copyOf(images), ImmutableList.copyOf(failures));
  }
}
