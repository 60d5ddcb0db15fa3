package org.layerfs.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The referrers tag schema of the OCI distribution spec 1.1, for stores without a referrers API:
 * the referrers of {@code sha256:<hex>} are listed by an OCI index under the tag
 * {@code sha256-<hex>}, and cosign's older scheme tags its signatures, attestations and SBOMs
 * {@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}.
 */
public final class FallbackIndex {
  private static final Pattern TAG = Pattern.compile("(sha256|sha512)-[0-9a-f]{64,128}");
  /** cosign's tag suffixes, in the order cosign documents them. */
  public static final ImmutableList<String> LEGACY_SUFFIXES = ImmutableList.of(".sig", ".att", ".sbom");

  private FallbackIndex() {}

  /** The tag that lists the referrers of {@code subject}. */
  public static String tag(Digest subject) {
    return subject.algorithm() + "-" + subject.hex();
  }

  /** True when {@code tag} is a fallback tag ({@code sha256-<hex>}), which the referrers machinery maintains. */
  public static boolean isTag(String tag) {
    return TAG.matcher(tag).matches();
  }

  /** True when {@code tag} is one of cosign's legacy tags ({@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}). */
  public static boolean isLegacyTag(String tag) {
    int dot = tag.lastIndexOf('.');
    return dot > 0 && isTag(tag.substring(0, dot)) && LEGACY_SUFFIXES.contains(tag.substring(dot));
  }

  /** cosign's legacy tags of {@code subject}: {@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}. */
  public static ImmutableList<String> legacyTags(Digest subject) {
    return LEGACY_SUFFIXES.stream().map(s -> tag(subject) + s).collect(ImmutableList.toImmutableList());
  }

  /**
   * The descriptor a referrers list gives for a referrer manifest: media type, digest, size, its
   * artifact type (its {@code artifactType}, else its config's media type) and its annotations.
   */
  public static Descriptor entry(Descriptor referrer, byte[] bytes) throws ImageFormatException {
    String what = "referrer " + referrer.digest();
    JsonNode root = ImageJson.tree(bytes, what);
    Optional<String> artifactType = Optional.ofNullable(root.get("artifactType")).filter(JsonNode::isTextual).map(JsonNode::asText);
    if (artifactType.isEmpty()) {
      artifactType = Optional.ofNullable(root.path("config").get("mediaType")).filter(JsonNode::isTextual).map(JsonNode::asText);
    }
    ImmutableMap.Builder<String, String> annotations = ImmutableMap.builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("annotations").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      annotations.put(e.getKey(), e.getValue().asText());
    }
    return Descriptor.builder()
        .setMediaType(referrer.mediaType())
        .setDigest(referrer.digest())
        .setSize(referrer.size())
        .setArtifactType(artifactType)
        .setAnnotations(annotations.buildKeepingLast())
        .build();
  }

  /**
   * The fallback index with {@code entry} added to the one a store already has ({@code existing},
   * its bytes): every entry already there is kept, in its order, and one for the same digest is
   * not added twice. Empty when {@code existing} lists it already (nothing to write).
   */
  public static Optional<byte[]> merge(Optional<byte[]> existing, Descriptor entry, String what) throws IOException {
    List<Descriptor> entries = new ArrayList<>();
    if (existing.isPresent()) {
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(existing.get(), MediaTypes.OCI_INDEX, what);
      if (doc.index().isEmpty()) {
        throw new ImageFormatException(what + ": the fallback tag names a manifest, not an index of referrers");
      }
      entries.addAll(doc.index().get().manifests());
    }
    if (entries.stream().anyMatch(d -> d.digest().equals(entry.digest()))) {
      return Optional.empty();
    }
    entries.add(entry);
    ObjectNode index = ImageJson.mapper().createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    entries.forEach(d -> manifests.add(ImageJson.toJson(d)));
    return Optional.of(ImageJson.mapper().writeValueAsBytes(index));
  }
}
