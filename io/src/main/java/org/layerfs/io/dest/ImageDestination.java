package org.layerfs.io.dest;

import com.google.common.collect.ImmutableList;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;

/**
 * A place images can be written to: an OCI layout, a docker archive or a registry. Blobs first,
 * each visible under its digest only once verified; manifests only when every blob they
 * reference is present; tags last.
 */
public interface ImageDestination extends Closeable {

  /** True when the destination already has the blob (a HEAD at a registry, never a GET). */
  boolean hasBlob(Descriptor blob) throws IOException;

  /**
   * Writes a blob from {@code content}, digesting it while it is written; it appears under its
   * digest only when size and digest match, otherwise nothing is left and the error names both.
   */
  void putBlob(Descriptor blob, InputStream content) throws IOException;

  /**
   * Writes a blob as {@link #putBlob(Descriptor, InputStream)} does, its bytes opened by {@code
   * source}: a destination whose transfer can break and continue (a registry's upload) opens it
   * again where its copy ends. By default opened once, from the start.
   */
  default void putBlob(Descriptor blob, BlobOpener source) throws IOException {
    try (InputStream in = source.open(0)) {
      putBlob(blob, in);
    }
  }

  /**
   * Makes a blob present without copying it, where the destination can (a cross-repository
   * mount at the same registry). Returns false when it cannot, and the caller copies.
   */
  default boolean mountBlob(Descriptor blob, ImageReference from) throws IOException {
    return false;
  }

  /** True when the destination has the manifest or index (by digest). */
  boolean hasManifest(Descriptor manifest) throws IOException;

  /**
   * Writes a manifest or index, whose blobs and child manifests must already be present, and
   * points {@code tag} at it when given.
   */
  void putManifest(Descriptor manifest, byte[] bytes, Optional<String> tag) throws IOException;

  /**
   * Writes a referrer of {@code subject} (a manifest whose {@code subject} it is), whose blobs
   * must already be present, so that the store lists it among the subject's referrers: by its
   * referrers API, or the fallback tag {@code sha256-<hex>}, merged with the entries already there.
   */
  default void putReferrer(Descriptor subject, Descriptor referrer, byte[] bytes) throws IOException {
    throw new IOException("referrers cannot be stored in " + getClass().getSimpleName());
  }

  /**
   * Removes {@code referrers} of {@code subject} (moved away): the subject's fallback tag is
   * rewritten without them, or removed when none remain, never dropping a referrer that stays;
   * their manifests go where the store keeps untagged manifests of its own (a registry), else
   * with the store's garbage collection. One already gone counts as removed, so a retried move succeeds.
   */
  default void removeReferrers(Descriptor subject, Collection<Descriptor> referrers) throws IOException {}

  /** The digest {@code tag} points at, if the destination has the tag. */
  Optional<Digest> tagDigest(String tag) throws IOException;

  /**
   * The digests of those of {@code tags} the destination has: one {@link #tagDigest} each, unless
   * the store can answer for all at once (a layout reads its index.json once, not once a tag).
   */
  default Map<String, Digest> tagDigests(Collection<String> tags) throws IOException {
    Map<String, Digest> digests = new LinkedHashMap<>();
    for (String tag : tags) {
      tagDigest(tag).ifPresent(d -> digests.put(tag, d));
    }
    return digests;
  }

  /** Every tag the destination holds. */
  ImmutableList<String> tags() throws IOException;

  /**
   * Removes {@code tags}, and never a tag outside them: where a tag can go only with its
   * manifest (a registry that deletes manifests, not tags) and another tag needs that manifest,
   * the tag is kept and the result says why. A tag that is not there counts as removed.
   */
  TagRemoval removeTags(Collection<String> tags) throws IOException;

  /**
   * What {@link #removeTags} would do with {@code tags} now, removing nothing: the same tags
   * removed and kept, with the same reasons ({@code --dry-run}).
   */
  TagRemoval planTagRemoval(Collection<String> tags) throws IOException;

  /**
   * Removes {@code tags} as {@link #removeTags} does and, with each image no tag that stays names
   * any more, what travels with it: its referrers, their fallback tags and its legacy cosign tags
   * ({@link PrunedReferrers}), listed in the result. A store that holds no referrers removes the tags alone.
   */
  default TagRemoval removeImages(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    return removeTags(tags);
  }

  /** What {@link #removeImages} would do now, removing nothing ({@code --dry-run}). */
  default TagRemoval planImageRemoval(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    return planTagRemoval(tags);
  }

  /**
   * Removes the blobs no tag reaches any more, where the store keeps blobs of its own (an OCI
   * layout; a registry collects its own garbage). The caller holds the store's lock. Returns
   * the number of blobs removed.
   */
  default int collectGarbage() throws IOException {
    return 0;
  }

  /**
   * Removes what interrupted writes of earlier runs left (temporary files, staging), and only
   * that. The caller holds the store's lock, so no other job is writing them.
   */
  default void removeLeftovers() throws IOException {}
}
