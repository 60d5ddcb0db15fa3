package org.layerfs.io.registry;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.layerfs.io.model.Digest;

/**
 * The manifests, indexes and configs a run has fetched, by digest, whichever repository served
 * them: a digest names its bytes, so a document that several tags or repositories share is
 * fetched once per run. Held as long as the run's sources; a few kilobytes an image.
 */
public final class DocumentCache {
  private final Map<Digest, RemoteManifest> manifests = new ConcurrentHashMap<>();
  private final Map<Digest, byte[]> configs = new ConcurrentHashMap<>();

  public Optional<RemoteManifest> manifest(Digest digest) {
    return Optional.ofNullable(manifests.get(digest));
  }

  public void putManifest(RemoteManifest manifest) {
    manifests.put(manifest.descriptor().digest(), manifest);
  }

  /** A config read whole and verified; a copy of its bytes, so no reader can change another's. */
  public Optional<byte[]> config(Digest digest) {
    return Optional.ofNullable(configs.get(digest)).map(byte[]::clone);
  }

  public void putConfig(Digest digest, byte[] verified) {
    configs.put(digest, verified.clone());
  }
}
