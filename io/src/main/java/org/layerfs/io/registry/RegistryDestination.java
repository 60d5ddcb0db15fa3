package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.dest.FallbackTagLocks;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.PrunedReferrers;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;

/**
 * A repository of a registry as an image destination. Blobs are pushed (or mounted from another
 * repository of the same registry) before the manifests that reference them; the registry
 * refuses a manifest whose blobs it lacks, and checks every blob's digest as it is committed.
 *
 * <p>Registries delete manifests, and with a manifest every tag that names it: {@link
 * #removeTags} deletes a manifest only when no tag it must keep needs it.
 */
public final class RegistryDestination implements ImageDestination {
  private final RegistryClient client;
  private final RegistryLocation location;
  private final ReferrersApi referrersApi;

  private RegistryDestination(RegistryClient client, RegistryLocation location, ReferrersApi referrersApi) {
    this.client = client;
    this.location = location;
    this.referrersApi = referrersApi;
  }

  /** The repository {@code reference} (a {@code docker://} reference) is in. */
  public static RegistryDestination open(ImageReference reference, RegistryConfig config) {
    return open(reference, config, new ReferrersApi(), new RegistryConnections());
  }

  /**
   * As {@link #open(ImageReference, RegistryConfig)}, sharing what the run learnt of each
   * registry's referrers API, and its connections.
   */
  public static RegistryDestination open(
      ImageReference reference, RegistryConfig config, ReferrersApi referrersApi, RegistryConnections connections) {
    RegistryLocation location = RegistryLocation.of(reference);
    return new RegistryDestination(RegistryClient.create(location.registry(), config, connections), location, referrersApi);
  }

  public RegistryLocation location() {
    return location;
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return client.hasBlob(location.repository(), blob.digest());
  }

  @Override
  public void putBlob(Descriptor blob, InputStream content) throws IOException {
    client.pushBlob(location.repository(), blob, content);
  }

  /** A large blob's upload that breaks continues from where the registry's copy ends. */
  @Override
  public void putBlob(Descriptor blob, BlobOpener source) throws IOException {
    client.pushBlob(location.repository(), blob, source);
  }

  /** Mounts when {@code from} is another repository of this registry; false otherwise. */
  @Override
  public boolean mountBlob(Descriptor blob, ImageReference from) throws IOException {
    if (from.transport() != ImageReference.Transport.DOCKER) {
      return false;
    }
    RegistryLocation source = RegistryLocation.of(from);
    if (!source.registry().equals(location.registry())) {
      return false;
    }
    if (source.repository().equals(location.repository())) {
      return hasBlob(blob);
    }
    return client.mountBlob(location.repository(), blob.digest(), source.repository());
  }

  @Override
  public boolean hasManifest(Descriptor manifest) throws IOException {
    return client.headManifest(location.repository(), manifest.digest().toString()).isPresent();
  }

  /** Pushes under {@code tag} when given (the registry keeps it by digest too), else by digest. */
  @Override
  public void putManifest(Descriptor manifest, byte[] bytes, Optional<String> tag) throws IOException {
    verify(manifest, bytes);
    client.pushManifest(location.repository(), tag.orElse(manifest.digest().toString()), manifest, bytes);
  }

  private void verify(Descriptor manifest, byte[] bytes) throws BlobVerificationException {
    Digest actual = Digest.fromBytes(
        manifest.digest().algorithm(), manifest.digest().newMessageDigest().digest(bytes));
    if (!actual.equals(manifest.digest()) || bytes.length != manifest.size()) {
      throw new BlobVerificationException(
          "manifest for docker://" + location + ": " + bytes.length + " bytes with digest " + actual
              + ", its descriptor declares " + manifest.size() + " bytes with digest " + manifest.digest());
    }
  }

  /**
   * Pushes a referrer by digest; where the registry does not index it (no {@code OCI-Subject} on
   * the push), adds it to the fallback tag's index, keeping every entry already there.
   */
  @Override
  public void putReferrer(Descriptor subject, Descriptor referrer, byte[] bytes) throws IOException {
    verify(referrer, bytes);
    if (client.pushReferrer(location.repository(), referrer, bytes)) {
      return;
    }
    String what = "referrers of " + subject.digest() + " in docker://" + location;
    FallbackTagLocks.locked("docker://" + location, FallbackIndex.tag(subject.digest()), () -> {
      Optional<byte[]> existing = RegistryReferrers.fallback(client, location.repository(), subject.digest()).map(RemoteManifest::bytes);
      Optional<byte[]> merged = FallbackIndex.merge(existing, FallbackIndex.entry(referrer, bytes), what);
      if (merged.isPresent()) {
        Descriptor index = Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(merged.get()), merged.get().length);
        client.pushManifest(location.repository(), FallbackIndex.tag(subject.digest()), index, merged.get());
      }
    });
  }

  /**
   * Rewrites the fallback index without {@code referrers} (the old index deleted by digest), or
   * deletes it when none remain, then deletes each referrer by digest.
   */
  @Override
  public void removeReferrers(Descriptor subject, Collection<Descriptor> referrers) throws IOException {
    Optional<RemoteManifest> index = RegistryReferrers.fallback(client, location.repository(), subject.digest());
    if (index.isPresent()) {
      Set<Digest> removed = referrers.stream().map(Descriptor::digest).collect(Collectors.toSet());
      String what = "referrers of " + subject.digest() + " in docker://" + location;
      ImmutableList<Descriptor> remaining = FallbackIndex.without(index.get().bytes(), removed, what);
      if (remaining.size() < FallbackIndex.entries(index.get().bytes(), what).size()) {
        if (!remaining.isEmpty()) {
          byte[] bytes = FallbackIndex.write(remaining);
          Descriptor rewritten = Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(bytes), bytes.length);
          client.pushManifest(location.repository(), FallbackIndex.tag(subject.digest()), rewritten, bytes);
        }
        // The old index: no tag names it once rewritten, and deleting it removes the tag when none remain.
        removeManifest(index.get().descriptor());
      }
    }
    for (Descriptor referrer : referrers) {
      removeManifest(referrer);
    }
  }

  /** Deletes the manifest by digest; one already gone counts as removed. */
  private void removeManifest(Descriptor manifest) throws IOException {
    if (hasManifest(manifest)) {
      client.deleteManifest(location.repository(), manifest.digest());
    }
  }

  /** The digest the tag names, by HEAD (the registry's {@code Docker-Content-Digest}). */
  @Override
  public Optional<Digest> tagDigest(String tag) throws IOException {
    return client.headManifest(location.repository(), tag).map(Descriptor::digest);
  }

  /** Every tag; none when the repository does not exist yet. */
  @Override
  public ImmutableList<String> tags() throws IOException {
    try {
      return client.listTags(location.repository());
    } catch (RegistryException e) {
      if (e.isNotFound()) {
        return ImmutableList.of();
      }
      throw e;
    }
  }

  /** Removes {@code tags}, never a tag outside them: see {@link RegistryTagRemoval}. */
  @Override
  public TagRemoval removeTags(Collection<String> tags) throws IOException {
    return new RegistryTagRemoval(client, location).remove(tags, tags());
  }

  @Override
  public TagRemoval planTagRemoval(Collection<String> tags) throws IOException {
    return new RegistryTagRemoval(client, location).plan(tags, tags());
  }

  @Override
  public TagRemoval removeImages(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    return new RegistryTagRemoval(client, location).removeImages(referrersApi, tags, scope, tags(), false);
  }

  @Override
  public TagRemoval planImageRemoval(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    return new RegistryTagRemoval(client, location).removeImages(referrersApi, tags, scope, tags(), true);
  }

  /** Nothing to release: the HTTP client's connections close when idle. */
  @Override
  public void close() {}
}
