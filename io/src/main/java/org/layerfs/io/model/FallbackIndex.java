package org.layerfs.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
   * The type {@code --referrers-type} matches for the manifest a legacy cosign tag names: the
   * media type of its first layer, the payload cosign wrote ({@code
   * application/vnd.dev.cosign.simplesigning.v1+json} under {@code .sig}, {@code
   * application/vnd.dsse.envelope.v1+json} under {@code .att}, the SBOM's own under {@code
   * .sbom}); its config is a plain image config and says nothing. Empty for a manifest without layers.
   */
  public static String legacyType(byte[] manifest, String what) throws ImageFormatException {
    JsonNode layer = ImageJson.tree(manifest, what).path("layers").path(0).path("mediaType");
    return layer.isTextual() ? layer.asText() : "";
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
      entries.addAll(entries(existing.get(), what));
    }
    if (entries.stream().anyMatch(d -> d.digest().equals(entry.digest()))) {
      return Optional.empty();
    }
    entries.add(entry);
    return Optional.of(write(entries));
  }

  /**
   * The entries of the fallback index {@code existing} (its bytes) other than {@code removed}, in
   * their order: what the index lists once those referrers have left the store.
   */
  public static ImmutableList<Descriptor> without(byte[] existing, Set<Digest> removed, String what) throws IOException {
    return entries(existing, what).stream().filter(d -> !removed.contains(d.digest())).collect(ImmutableList.toImmutableList());
  }

  /** The referrers the fallback index {@code index} (its bytes) lists. */
  public static ImmutableList<Descriptor> entries(byte[] index, String what) throws IOException {
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(index, MediaTypes.OCI_INDEX, what);
    if (doc.index().isEmpty()) {
      throw new ImageFormatException(what + ": the fallback tag names a manifest, not an index of referrers");
    }
    return doc.index().get().manifests();
  }

  /** The fallback index listing {@code entries}. */
  public static byte[] write(List<Descriptor> entries) throws IOException {
    ObjectNode index = JsonNodeFactory.instance.objectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    entries.forEach(d -> manifests.add(ImageJson.toJson(d)));
    return JsonTreeWriter.bytes(index);
  }
}
