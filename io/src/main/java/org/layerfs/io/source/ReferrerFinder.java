package org.layerfs.io.source;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.registry.RegistrySource;

/**
 * Finds what travels with an image in the store it is read from: its OCI 1.1 referrers (the
 * referrers API or the fallback tag of a registry, the fallback tag of an OCI layout) and
 * cosign's legacy {@code sha256-<hex>.sig/.att/.sbom} tags. A docker archive holds neither.
 */
public final class ReferrerFinder {
  private final ImageSource source;

  public ReferrerFinder(ImageSource source) {
    this.source = source;
  }

  /** True when the store can hold referrers (registries and OCI layouts). */
  public boolean holdsReferrers() {
    return source instanceof RegistrySource || source instanceof OciLayout;
  }

  /** The referrers of {@code subject}, as the store lists them (descriptors with their artifact types). */
  public ImmutableList<Descriptor> referrers(Digest subject) throws IOException {
    if (source instanceof RegistrySource registry) {
      return registry.referrers(subject);
    }
    if (source instanceof OciLayout layout) {
      return layout.referrers(subject);
    }
    return ImmutableList.of();
  }

  /**
   * cosign's legacy tags of {@code subject} that the store has, each with the manifest it names.
   * {@code listed}, when known, is the store's tag list, saving a request per tag.
   */
  public ImmutableList<Tagged> legacyTags(Digest subject, Optional<ImmutableList<String>> listed) throws IOException {
    ImmutableList.Builder<Tagged> found = ImmutableList.builder();
    for (String tag : FallbackIndex.legacyTags(subject)) {
      if (listed.isPresent() && !listed.get().contains(tag)) {
        continue;
      }
      Optional<Descriptor> manifest = manifestOf(tag);
      manifest.ifPresent(m -> found.add(new Tagged(tag, m)));
    }
    return found.build();
  }

  /** A tag and the manifest it names. */
  public record Tagged(String tag, Descriptor manifest) {}

  private Optional<Descriptor> manifestOf(String tag) throws IOException {
    if (source instanceof RegistrySource registry) {
      return registry.head(tag);
    }
    if (source instanceof OciLayout layout) {
      return layout.index().manifests().stream().filter(d -> d.refName().equals(Optional.of(tag))).reduce((a, b) -> b);
    }
    return Optional.empty();
  }
}
