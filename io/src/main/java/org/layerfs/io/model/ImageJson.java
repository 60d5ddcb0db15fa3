package org.layerfs.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Translates the wire formats (manifests, indexes, configs, as JSON bytes) into the model, so
 * that a format quirk never leaks inward. Every error names what was being read.
 */
public final class ImageJson {
  private ImageJson() {}

  /** A parsed manifest-or-index document: exactly one of the two is present. */
  public record Document(Optional<Manifest> manifest, Optional<ImageIndex> index) {}

  /**
   * Parses a manifest or index. {@code declaredType} is the media type the referrer gave (may be
   * empty); {@code what} names the document in errors.
   */
  public static Document parseManifestOrIndex(byte[] json, String declaredType, String what)
      throws ImageFormatException {
    JsonNode root = tree(json, what);
    String mediaType = text(root, "mediaType").orElse(declaredType == null ? "" : declaredType);
    if (mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1)
        || mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)
        || (root.path("schemaVersion").asInt() == 1)) {
      throw new ImageFormatException(what + ": Docker schema 1 manifests are not supported");
    }
    boolean isIndex =
        MediaTypes.isIndex(mediaType) || (mediaType.isEmpty() && root.has("manifests"));
    boolean isManifest =
        MediaTypes.isManifest(mediaType) || (mediaType.isEmpty() && root.has("layers"));
    if (isIndex) {
      String type = mediaType.isEmpty() ? MediaTypes.OCI_INDEX : mediaType;
      ImageIndex index =
          ImageIndex.of(type, descriptors(root, "manifests", what), text(root, "artifactType"), subject(root, what));
      return new Document(Optional.empty(), Optional.of(index));
    }
    if (isManifest) {
      String type = mediaType.isEmpty() ? MediaTypes.OCI_MANIFEST : mediaType;
      JsonNode config = root.get("config");
      if (config == null || !config.isObject()) {
        throw new ImageFormatException(what + ": manifest has no \"config\" descriptor");
      }
      Manifest manifest =
          Manifest.of(
              type, descriptor(config, what + " config"), descriptors(root, "layers", what), text(root, "artifactType"),
              subject(root, what));
      return new Document(Optional.of(manifest), Optional.empty());
    }
    throw new ImageFormatException(
        what + ": unknown manifest media type \"" + mediaType + "\" (want an OCI or Docker v2 manifest or index)");
  }

  /** The {@code subject} descriptor of a manifest or index, when it has one. */
  private static Optional<Descriptor> subject(JsonNode root, String what) throws ImageFormatException {
    JsonNode subject = root.get("subject");
    return subject == null || subject.isNull() ? Optional.empty() : Optional.of(descriptor(subject, what + " subject"));
  }

  /** Parses an image config: its platform and diffIDs. */
  public static ImageConfig parseConfig(byte[] json, String what) throws ImageFormatException {
    JsonNode root = tree(json, what);
    JsonNode diffIds = root.path("rootfs").path("diff_ids");
    if (!diffIds.isArray()) {
      throw new ImageFormatException(what + ": config has no rootfs.diff_ids array");
    }
    ImmutableList.Builder<Digest> ids = ImmutableList.builder();
    for (JsonNode id : diffIds) {
      ids.add(digest(id.asText(), what + " rootfs.diff_ids"));
    }
    Platform platform =
        Platform.of(
            text(root, "os").orElse("unknown"),
            text(root, "architecture").orElse("unknown"),
            text(root, "variant"));
    return ImageConfig.of(platform, ids.build());
  }

  /** Parses a JSON object, naming {@code what} when it is not one or has a key twice. */
  public static JsonNode tree(byte[] json, String what) throws ImageFormatException {
    JsonNode root = StrictJson.read(json, what);
    if (!root.isObject()) {
      throw new ImageFormatException(what + ": not a JSON object");
    }
    return root;
  }

  /** The descriptors in array {@code field} of {@code root}. */
  public static ImmutableList<Descriptor> descriptors(JsonNode root, String field, String what)
      throws ImageFormatException {
    JsonNode array = root.get(field);
    if (array == null || !array.isArray()) {
      throw new ImageFormatException(what + ": no \"" + field + "\" array");
    }
    ImmutableList.Builder<Descriptor> out = ImmutableList.builder();
    int i = 0;
    for (JsonNode node : array) {
      out.add(descriptor(node, what + " " + field + "[" + i++ + "]"));
    }
    return out.build();
  }

  /** One descriptor object. */
  public static Descriptor descriptor(JsonNode node, String what) throws ImageFormatException {
    if (!node.isObject()) {
      throw new ImageFormatException(what + ": descriptor is not an object");
    }
    String mediaType =
        text(node, "mediaType").orElseThrow(() -> new ImageFormatException(what + ": descriptor has no mediaType"));
    Digest digest =
        digest(
            text(node, "digest").orElseThrow(() -> new ImageFormatException(what + ": descriptor has no digest")),
            what);
    JsonNode size = node.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new ImageFormatException(what + ": descriptor has no valid size");
    }
    Descriptor.Builder b =
        Descriptor.builder().setMediaType(mediaType).setDigest(digest).setSize(size.asLong());
    JsonNode urls = node.get("urls");
    if (urls != null && urls.isArray()) {
      ImmutableList.Builder<String> u = ImmutableList.builder();
      urls.forEach(x -> u.add(x.asText()));
      b.setUrls(u.build());
    }
    JsonNode annotations = node.get("annotations");
    if (annotations != null && annotations.isObject()) {
      ImmutableMap.Builder<String, String> a = ImmutableMap.builder();
      for (Iterator<Map.Entry<String, JsonNode>> it = annotations.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        a.put(e.getKey(), e.getValue().asText());
      }
      b.setAnnotations(a.buildKeepingLast());
    }
    b.setArtifactType(text(node, "artifactType"));
    JsonNode platform = node.get("platform");
    if (platform != null && platform.isObject()) {
      b.setPlatform(
          Platform.of(
              text(platform, "os").orElse("unknown"),
              text(platform, "architecture").orElse("unknown"),
              text(platform, "variant")));
    }
    return b.build();
  }

  /** A descriptor as JSON, the inverse of {@link #descriptor}. */
  public static ObjectNode toJson(Descriptor d) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("mediaType", d.mediaType());
    node.put("digest", d.digest().toString());
    node.put("size", d.size());
    d.artifactType().ifPresent(t -> node.put("artifactType", t));
    if (!d.urls().isEmpty()) {
      d.urls().forEach(node.putArray("urls")::add);
    }
    if (!d.annotations().isEmpty()) {
      ObjectNode annotations = node.putObject("annotations");
      d.annotations().forEach(annotations::put);
    }
    d.platform().ifPresent(p -> {
      ObjectNode platform = node.putObject("platform");
      platform.put("architecture", p.architecture());
      platform.put("os", p.os());
      p.variant().ifPresent(v -> platform.put("variant", v));
    });
    return node;
  }

  private static Digest digest(String text, String what) throws ImageFormatException {
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ImageFormatException(what + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  /** The shared mapper ({@link StrictJson}), for code that writes JSON the model does not cover. */
  public static ObjectMapper mapper() {
    return StrictJson.mapper();
  }
}
