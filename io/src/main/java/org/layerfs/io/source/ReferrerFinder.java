package org.layerfs.io.source;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 *
 * <p>A registry repository's tag list, fetched once, answers for its fallback and legacy tags, so
 * an image without referrers costs no request of its own where the registry has no referrers API.
 */
public final class ReferrerFinder {
  private final ImageSource source;
  private Optional<ImmutableList<String>> tags;

  /** A finder over {@code source}; {@code tags}, its tag list when already fetched. */
  public ReferrerFinder(ImageSource source, Optional<ImmutableList<String>> tags) {
    this.source = source;
    this.tags = tags;
  }

  /** True when the store can hold referrers (registries and OCI layouts). */
  public boolean holdsReferrers() {
    return source instanceof RegistrySource || source instanceof OciLayout;
  }

  /** False when the store is known to hold no referrers at all, so that no image need be asked about. */
  public boolean mayHaveReferrers() throws IOException {
    return !(source instanceof RegistrySource registry) || registry.mayHaveReferrers(this::listedTags);
  }

  /** The referrers of {@code subject}, as the store lists them (descriptors with their artifact types). */
  public ImmutableList<Descriptor> referrers(Digest subject) throws IOException {
    if (source instanceof RegistrySource registry) {
      return registry.referrers(subject, this::listedTags);
    }
    if (source instanceof OciLayout layout && tags().contains(FallbackIndex.tag(subject))) {
      return layout.referrers(subject); // index.json read again only for a subject that has referrers
    }
    return ImmutableList.of();
  }

  /** cosign's legacy tags of {@code subject} that the store has, each with the manifest it names. */
  public ImmutableList<Tagged> legacyTags(Digest subject) throws IOException {
    ImmutableList.Builder<Tagged> found = ImmutableList.builder();
    for (String tag : FallbackIndex.legacyTags(subject)) {
      if (tags().contains(tag)) {
        Optional<Descriptor> manifest = manifestOf(tag);
        manifest.ifPresent(m -> found.add(new Tagged(tag, m)));
      }
    }
    return found.build();
  }

  /** A tag and the manifest it names. */
  public record Tagged(String tag, Descriptor manifest) {}

  /** {@link #tags} for a caller that cannot throw: a failed listing fails the lookup that needed it. */
  private ImmutableList<String> listedTags() {
    try {
      return tags();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The store's tags, listed once. */
  private ImmutableList<String> tags() throws IOException {
    if (tags.isEmpty()) {
      if (source instanceof RegistrySource registry) {
        tags = Optional.of(registry.tags());
      } else if (source instanceof OciLayout layout) {
        tags = Optional.of(layout.index().manifests().stream().flatMap(d -> d.refName().stream())
            .collect(ImmutableList.toImmutableList()));
      } else {
        tags = Optional.of(ImmutableList.of());
      }
    }
    return tags.get();
  }

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
