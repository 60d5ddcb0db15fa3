package org.layerfs.transforms.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.JsonTreeWriter;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ManifestResolver;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;

/**
 * An index with only some of its platforms: what {@code --platform A,B} copies of a source
 * index. It is the source index with the other images' entries left out (the attestations of
 * the kept images stay), so it has a digest of its own; the source index's digest is kept in
 * the annotation {@link #SOURCE_INDEX}. Made the same way from the same source bytes, it has the
 * same digest every run, which is what lets a sync tell it is up to date without copying.
 */
public final class SparseIndex {
  /** The annotation that names the index a sparse index was made from. */
  public static final String SOURCE_INDEX = "org.layerfs.source.index.digest";
  /** The annotation that lists the platforms asked for, as given. */
  public static final String PLATFORMS = "org.layerfs.platforms";

  private static final String REFERENCE_DIGEST = "vnd.docker.reference.digest";

  private SparseIndex() {}

  /**
   * The images of {@code reference} for each of {@code platforms}. An index that lacks some of
   * them is not a failure while it has one of the others; every other failure is kept.
   */
  static Resolution resolve(ImageSource source, ImageReference reference, List<Platform> platforms) throws IOException {
    Set<ResolvedImage> images = new LinkedHashSet<>();
    List<ImageFailure> failures = new ArrayList<>();
    Set<String> lacking = new LinkedHashSet<>();
    for (Platform p : platforms) {
      Resolution r = source.resolve(reference, Optional.of(p));
      images.addAll(r.images());
      for (ImageFailure f : r.failures()) {
        if (f.message().startsWith(ManifestResolver.NO_IMAGE_FOR_PLATFORM)) {
          lacking.add(f.image());
        } else {
          failures.add(f);
        }
      }
    }
    images.forEach(i -> lacking.remove(i.reference().toString()));
    lacking.forEach(image -> failures.add(ImageFailure.of(image, "no image for any of the platforms " + platforms)));
    return new Resolution(ImmutableList.copyOf(images), ImmutableList.copyOf(failures));
  }

  /**
   * The entries of index {@code bytes} that {@code platforms} select by the platform each entry
   * declares (attestations and {@code unknown/unknown} entries are not images).
   */
  static Set<Digest> selected(byte[] bytes, String mediaType, List<Platform> platforms, String what) throws IOException {
    Set<Digest> keep = new LinkedHashSet<>();
    for (Descriptor child : ImageJson.parseManifestOrIndex(bytes, mediaType, what).index().get().manifests()) {
      Optional<Platform> p = child.platform();
      if (p.isPresent() && platforms.stream().anyMatch(asked -> asked.selects(p.get()))) {
        keep.add(child.digest());
      }
    }
    return keep;
  }

  /**
   * The digest a destination tag names when it holds what {@code platforms} select of index
   * {@code index} ({@code bytes}): the one image of one platform, or the sparse index of several.
   * Empty when that cannot be told from the index alone (one platform naming several images).
   */
  static Optional<Digest> expected(Descriptor index, byte[] bytes, List<Platform> platforms, String what) throws IOException {
    Set<Digest> keep = selected(bytes, index.mediaType(), platforms, what);
    if (platforms.size() == 1) {
      return keep.size() == 1 ? Optional.of(keep.iterator().next()) : Optional.empty();
    }
    return keep.isEmpty() ? Optional.empty() : Optional.of(of(index, bytes, keep, platforms, what).descriptor().digest());
  }

  /**
   * The sparse index of {@code source} (its {@code bytes}): the entries whose digests {@code
   * keep} names and the attestations that refer to them, the source's digest and the platforms
   * in its annotations. Its descriptor carries the same annotations, for the report.
   */
  static ManifestBlob of(Descriptor source, byte[] bytes, Set<Digest> keep, List<Platform> platforms, String what)
      throws IOException {
    JsonNode tree = ImageJson.tree(bytes, what);
    if (!(tree instanceof ObjectNode index) || !(tree.path("manifests") instanceof ArrayNode entries)) {
      throw new IOException(what + ": not an index");
    }
    ArrayNode kept = index.arrayNode();
    Set<String> inside = new LinkedHashSet<>(keep.stream().map(Digest::toString).toList());
    List<String> nested = new ArrayList<>();
    for (JsonNode entry : entries) {
      String digest = entry.path("digest").asText();
      String refersTo = entry.path("annotations").path(REFERENCE_DIGEST).asText("");
      inside.remove(digest);
      if (MediaTypes.isIndex(entry.path("mediaType").asText())) {
        nested.add(digest);
      }
      if (keep.stream().anyMatch(d -> d.toString().equals(digest) || d.toString().equals(refersTo))) {
        kept.add(entry);
      }
    }
    if (!inside.isEmpty()) {
      // Leaving platforms out of a nested index would make it a new index too; not done.
      throw new IOException(what + ": the platforms " + platforms + " choose images inside the nested index "
          + String.join(", ", nested) + ", and a sparse index keeps or drops the top index's own entries only:"
          + " copy the whole index, or one platform at a time");
    }
    if (kept.isEmpty()) {
      throw new IOException(what + ": none of its entries is for the platforms " + platforms);
    }
    String platformList = String.join(",", platforms.stream().map(Platform::toString).toList());
    ObjectNode sparse = index.deepCopy();
    sparse.set("manifests", kept);
    ObjectNode annotations = sparse.with("annotations");
    annotations.put(SOURCE_INDEX, source.digest().toString());
    annotations.put(PLATFORMS, platformList);
    byte[] out = JsonTreeWriter.bytes(sparse);
    String mediaType = MediaTypes.isIndex(source.mediaType()) ? source.mediaType() : MediaTypes.OCI_INDEX;
    Descriptor d = Descriptor.builder()
        .setMediaType(mediaType)
        .setDigest(Digest.sha256(out))
        .setSize(out.length)
        .setAnnotations(ImmutableMap.of(SOURCE_INDEX, source.digest().toString(), PLATFORMS, platformList))
        .build();
    return ManifestBlob.of(d, out);
  }
}
