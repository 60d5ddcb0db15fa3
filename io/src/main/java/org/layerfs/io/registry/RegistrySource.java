package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Supplier;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.Blobs;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ManifestResolver;
import org.layerfs.io.source.Resolution;

/**
 * A repository of a registry as an image source: a tag or a digest names one image or index; no
 * tag names every tag of the repository.
 */
public final class RegistrySource implements ImageSource {
  private final RegistryClient client;
  private final RegistryLocation location;
  private final ImageReference store;
  /**
   * Manifests, indexes and configs fetched, by digest: resolving reads a root again by digest,
   * a copy's planning reads again what resolving read, and other repositories share them; the
   * registry is asked once.
   */
  private final DocumentCache documents;
  private final ReferrersApi referrersApi;

  private RegistrySource(
      RegistryClient client, RegistryLocation location, ImageReference store, DocumentCache documents, ReferrersApi referrersApi) {
    this.client = client;
    this.documents = documents;
    this.referrersApi = referrersApi;
    this.location = location;
    this.store = store;
  }

  /** The repository {@code reference} (a {@code docker://} reference) is in. */
  public static RegistrySource open(ImageReference reference, RegistryConfig config) {
    return open(reference, config, new DocumentCache(), new ReferrersApi(), new RegistryConnections());
  }

  /**
   * As {@link #open(ImageReference, RegistryConfig)}, sharing the documents of a run, what it
   * learnt of each registry's referrers API, and its connections with its other sources and
   * destinations.
   */
  public static RegistrySource open(
      ImageReference reference, RegistryConfig config, DocumentCache documents, ReferrersApi referrersApi, RegistryConnections connections) {
    RegistryLocation location = RegistryLocation.of(reference);
    return new RegistrySource(
        RegistryClient.create(location.registry(), config, connections), location, reference.store(), documents, referrersApi);
  }

  public RegistryLocation location() {
    return location;
  }

  /** The pull budget the registry's latest answer stated; empty when it states none. */
  public Optional<RateLimit> rateLimit() {
    return client.rateLimit();
  }

  /** Every tag of the repository. */
  public ImmutableList<String> tags() throws IOException {
    return client.listTags(location.repository());
  }

  /**
   * The digest of the manifest or index {@code tag} names, by HEAD (a GET only when the registry
   * sends no digest on HEAD): a HEAD does not count against pull limits. Empty when no such tag.
   */
  public Optional<Digest> tagDigest(String tag) throws IOException {
    return head(tag).map(Descriptor::digest);
  }

  /** The descriptor of the manifest or index {@code reference} (a tag or digest) names, by HEAD as {@link #tagDigest}. */
  public Optional<Descriptor> head(String reference) throws IOException {
    return client.headManifest(location.repository(), reference);
  }

  /**
   * The referrers of {@code subject} here: by the referrers API, or the fallback tag where the
   * registry has none. {@code tags} gives the repository's tag list (fetched once by the caller),
   * asked only where the registry has no API, to save asking for a fallback tag it does not hold.
   */
  public ImmutableList<Descriptor> referrers(Digest subject, Supplier<ImmutableList<String>> tags) throws IOException {
    return RegistryReferrers.list(client, referrersApi, location.repository(), subject, tags::get);
  }

  /** False when nothing in the repository can have referrers: no referrers API, no fallback tag among {@code tags}. */
  public boolean mayHaveReferrers(Supplier<ImmutableList<String>> tags) throws IOException {
    return RegistryReferrers.mayList(client, referrersApi, tags::get);
  }

  @Override
  public Resolution resolve(ImageReference reference, Optional<Platform> platform) throws IOException {
    ManifestResolver resolver = new ManifestResolver(this, platform);
    ImmutableList.Builder<ImageFailure> failures = ImmutableList.builder();
    if (reference.digest().isPresent() || reference.tag().isPresent()) {
      String ref = reference.digest().map(Digest::toString).orElseGet(() -> reference.tag().get());
      resolver.expand(reference, fetched(client.pullManifest(location.repository(), ref)));
    } else {
      for (String tag : tags()) {
        ImageReference named = store.withTag(tag);
        try {
          resolver.expand(named, fetched(client.pullManifest(location.repository(), tag)));
        } catch (RegistryException e) {
          if (!e.isNotFound()) { // a tag deleted since the listing is simply gone
            failures.add(ImageFailure.of(named.toString(), e.getMessage()));
          }
        } catch (BlobVerificationException | ImageFormatException e) {
          failures.add(ImageFailure.of(named.toString(), e.getMessage()));
        }
      }
    }
    Resolution r = resolver.result();
    return new Resolution(
        r.images(), ImmutableList.<ImageFailure>builder().addAll(r.failures()).addAll(failures.build()).build());
  }

  private Descriptor fetched(RemoteManifest manifest) {
    documents.putManifest(manifest);
    return manifest.descriptor();
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return openBlob(blob, 0);
  }

  /** A ranged GET from {@code offset} on, resumed like the whole blob's when it breaks. */
  @Override
  public InputStream openBlob(Descriptor blob, long offset) throws IOException {
    return client.pullBlob(location.repository(), blob, offset);
  }

  /** Manifests and indexes come from the manifest endpoint, everything else from the blob one. */
  @Override
  public byte[] readBlob(Descriptor blob) throws IOException {
    String what = "blob " + blob.digest() + " in docker://" + location;
    if (!MediaTypes.isManifest(blob.mediaType()) && !MediaTypes.isIndex(blob.mediaType())) {
      return documents.config(blob.digest(), () -> {
        try (InputStream in = openBlob(blob)) {
          return Blobs.readVerified(in, blob, what);
        }
      });
    }
    RemoteManifest manifest =
        documents.manifest(blob.digest(), () -> client.pullManifest(location.repository(), blob.digest().toString()));
    if (manifest.bytes().length != blob.size()) {
      throw new BlobVerificationException(
          what + ": " + manifest.bytes().length + " bytes, its descriptor declares " + blob.size());
    }
    return manifest.bytes();
  }

  /** Nothing to release: the HTTP client's connections close when idle. */
  @Override
  public void close() {}
}
