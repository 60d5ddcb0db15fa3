package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;

/**
 * The referrers of a manifest in one repository, found as the distribution spec 1.1 says: the
 * referrers API, or where the registry answers it 404 (the CNCF distribution registry, Docker
 * Hub, GHCR), the fallback tag {@code sha256-<hex>}. Which of the two a registry answers is
 * remembered for the rest of the run ({@link ReferrersApi}), so a registry without the API is
 * asked once, not per image.
 */
final class RegistryReferrers {
  private RegistryReferrers() {}

  /** A repository's tag list, fetched only when asked for. */
  interface Tags {
    ImmutableList<String> get() throws IOException;
  }

  /**
   * The referrers of {@code subject}. Where the registry has no API, {@code tags} (the
   * repository's tag list) answers for the fallback tag: a repository without it has no referrers.
   */
  static ImmutableList<Descriptor> list(RegistryClient client, ReferrersApi api, String repository, Digest subject, Tags tags)
      throws IOException {
    if (api.mayHave(client.registry())) {
      Optional<ImmutableList<Descriptor>> listed = client.listReferrers(repository, subject);
      api.learnt(client.registry(), listed.isPresent());
      if (listed.isPresent()) {
        return listed.get();
      }
    }
    if (!tags.get().contains(FallbackIndex.tag(subject))) {
      return ImmutableList.of();
    }
    Optional<RemoteManifest> index = fallback(client, repository, subject);
    return index.isPresent() ? entries(index.get()) : ImmutableList.of();
  }

  /**
   * False when the registry is known to have no referrers API and {@code tags} (the repository's
   * tag list) hold no fallback tag: nothing there has referrers, and no request need ask.
   */
  static boolean mayList(RegistryClient client, ReferrersApi api, Tags tags) throws IOException {
    return api.mayHave(client.registry()) || tags.get().stream().anyMatch(FallbackIndex::isTag);
  }

  /** The fallback index of {@code subject}, when the repository has that tag. */
  static Optional<RemoteManifest> fallback(RegistryClient client, String repository, Digest subject) throws IOException {
    String tag = FallbackIndex.tag(subject);
    if (client.headManifest(repository, tag).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(client.pullManifest(repository, tag));
  }

  private static ImmutableList<Descriptor> entries(RemoteManifest index) throws IOException {
    String what = "fallback index " + index.descriptor().digest();
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(index.bytes(), MediaTypes.OCI_INDEX, what);
    if (doc.index().isEmpty()) {
      throw new ImageFormatException(what + ": the referrers tag names a manifest, not an index");
    }
    return doc.index().get().manifests();
  }
}
