package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;

/**
 * A client of one registry's distribution API (OCI distribution spec, Docker registry v2):
 * manifests, blobs, uploads, mounts, tags and deletes. Each operation is a class of its own;
 * this class puts them behind one API. Thread-safe; one per registry and configuration.
 */
public final class RegistryClient {
  /** A registry that keeps linking to pages is cut off here rather than listed forever. */
  private static final int MAX_TAG_PAGES = 100_000;

  private final RegistryCaller caller;
  private final RateLimitTransport rateLimits;

  private RegistryClient(RegistryCaller caller, RateLimitTransport rateLimits) {
    this.caller = caller;
    this.rateLimits = rateLimits;
  }

  /** A client of {@code registry} ({@code HOST[:PORT]}). */
  public static RegistryClient create(String registry, RegistryConfig config) {
    return create(registry, config, new RegistryConnections());
  }

  /** A client of {@code registry} over the connections a run's clients share. */
  public static RegistryClient create(String registry, RegistryConfig config, RegistryConnections connections) {
    return create(registry, config, CredentialStore.of(config), connections);
  }

  /** A client of {@code registry} taking its credentials from {@code credentials}. */
  static RegistryClient create(String registry, RegistryConfig config, CredentialStore credentials) {
    return create(registry, config, credentials, new RegistryConnections());
  }

  private static RegistryClient create(
      String registry, RegistryConfig config, CredentialStore credentials, RegistryConnections connections) {
    RegistryAuth auth = new RegistryAuth(registry, config, credentials, connections.http(config), Clock.systemUTC());
    RateLimitTransport transport =
        new RateLimitTransport(new RedirectTransport(new AuthTransport(registry, auth, connections.scheme(registry, config))));
    return new RegistryClient(new RegistryCaller(registry, config, transport, new Retry(registry, config)), transport);
  }

  /** The pull budget the registry's latest answer stated; empty when it states none. */
  public Optional<RateLimit> rateLimit() {
    return rateLimits.latest();
  }

  /** The registry's {@code HOST[:PORT]}. */
  public String registry() {
    return caller.registry();
  }

  /**
   * The manifest or index {@code reference} (a tag or a digest) names, verified against the
   * digest (by digest) or the registry's {@code Docker-Content-Digest} (by tag).
   */
  public RemoteManifest pullManifest(String repository, String reference) throws IOException {
    return caller.call(new ManifestPull(repository, reference));
  }

  /** The descriptor of the manifest {@code reference} names, by HEAD; empty when there is none. */
  public Optional<Descriptor> headManifest(String repository, String reference) throws IOException {
    Optional<ManifestCheck.Head> head = caller.call(new ManifestCheck(repository, reference));
    if (head.isEmpty()) {
      return Optional.empty();
    }
    Optional<Digest> digest = head.get().digest();
    if (digest.isEmpty() && Digest.isDigest(reference)) {
      digest = Optional.of(Digest.parse(reference));
    }
    if (digest.isEmpty() || head.get().size() < 0) {
      // A registry that does not say on HEAD: the manifest itself tells.
      return Optional.of(pullManifest(repository, reference).descriptor());
    }
    return Optional.of(Descriptor.of(head.get().mediaType(), digest.get(), head.get().size()));
  }

  /**
   * Stores a manifest or index under {@code reference}: a tag, or its own digest. Its blobs and
   * child manifests must be in the repository already; the registry refuses it otherwise.
   */
  public void pushManifest(String repository, String reference, Descriptor manifest, byte[] bytes)
      throws IOException {
    ManifestPush push = new ManifestPush(repository, reference, manifest, bytes);
    checkStored(caller.describe(push), caller.call(push), manifest);
  }

  private static void checkStored(String what, Optional<Digest> stored, Descriptor manifest) throws RegistryException {
    if (stored.isPresent() && !stored.get().equals(manifest.digest())) {
      throw new RegistryException(
          what + ": the registry stored it as " + stored.get(), OptionalInt.empty(), false, Optional.empty(), null);
    }
  }

  /**
   * Stores a referrer manifest by its digest; true when the registry indexed its subject (it
   * answered {@code OCI-Subject}), false when the fallback tag is the client's to maintain.
   */
  public boolean pushReferrer(String repository, Descriptor manifest, byte[] bytes) throws IOException {
    ReferrerPush push = new ReferrerPush(repository, manifest, bytes);
    ReferrerPush.Stored stored = caller.call(push);
    checkStored(caller.describe(push), stored.digest(), manifest);
    return stored.subjectIndexed();
  }

  /** The referrers of {@code subject} by the OCI 1.1 referrers API; empty when the registry has none (404). */
  public Optional<ImmutableList<Descriptor>> listReferrers(String repository, Digest subject) throws IOException {
    return caller.call(new ReferrersList(repository, subject));
  }

  /** Deletes a manifest, and with it every tag that points at it. */
  public void deleteManifest(String repository, Digest digest) throws IOException {
    caller.call(new ManifestDelete(repository, digest));
  }

  /**
   * Deletes a tag alone, its manifest and other tags left; false when the registry cannot (it
   * deletes manifests only).
   */
  public boolean deleteTag(String repository, String tag) throws IOException {
    return caller.call(new TagDelete(repository, tag));
  }

  /** True when the repository has the blob; asked with HEAD, never GET. */
  public boolean hasBlob(String repository, Digest digest) throws IOException {
    return caller.call(new BlobCheck(repository, digest));
  }

  /**
   * Opens a blob's bytes. A transfer that breaks is resumed where it broke; the caller verifies
   * the bytes against the descriptor (see {@link org.layerfs.io.blob.VerifyingInputStream}).
   */
  public InputStream pullBlob(String repository, Descriptor blob) throws IOException {
    return pullBlob(repository, blob, 0);
  }

  /** Opens a blob's bytes from byte {@code offset} on, as {@link #pullBlob(String, Descriptor)} does. */
  public InputStream pullBlob(String repository, Descriptor blob, long offset) throws IOException {
    return ResumingBlobStream.open(caller, repository, blob, offset);
  }

  /**
   * Uploads a blob from {@code content}, verified against the descriptor as it is read: in one
   * request below {@link RegistryConfig#streamedUploadThreshold}, streamed in one PATCH from
   * there on. A large upload that breaks cannot continue (the stream cannot be read again): see
   * {@link #pushBlob(String, Descriptor, BlobOpener)}.
   */
  public void pushBlob(String repository, Descriptor blob, InputStream content) throws IOException {
    new BlobUpload(caller, repository, blob).push(content);
  }

  /**
   * Uploads a blob whose bytes {@code source} opens, as {@link #pushBlob(String, Descriptor,
   * InputStream)} does; a large upload that breaks continues from where the registry's copy ends,
   * the source opened again there.
   */
  public void pushBlob(String repository, Descriptor blob, BlobOpener source) throws IOException {
    new BlobUpload(caller, repository, blob).push(source);
  }

  /**
   * Mounts a blob from {@code fromRepository} of this registry without copying it. False when
   * the registry would not (the blob is not there, or no pull right on it).
   */
  public boolean mountBlob(String repository, Digest digest, String fromRepository) throws IOException {
    Optional<URI> upload = caller.call(new BlobMount(repository, digest, fromRepository));
    if (upload.isPresent()) {
      UploadCancel.quietly(caller, repository, upload.get());
      return false;
    }
    return true;
  }

  /** Every tag of the repository, following the registry's pagination. */
  public ImmutableList<String> listTags(String repository) throws IOException {
    Set<String> tags = new LinkedHashSet<>();
    Set<URI> seen = new LinkedHashSet<>();
    TagList.Page page = caller.call(TagList.first(repository, caller.config().tagPageSize()));
    tags.addAll(page.tags());
    while (page.next().isPresent() && seen.add(page.next().get()) && seen.size() < MAX_TAG_PAGES) {
      page = caller.call(TagList.next(repository, page.next().get()));
      tags.addAll(page.tags());
    }
    return ImmutableSet.copyOf(tags).asList();
  }
}
