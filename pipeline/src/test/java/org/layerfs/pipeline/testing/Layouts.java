package org.layerfs.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;

/**
 * Reads OCI layouts the way the tests check them, straight from the files (not through the code
 * under test), and builds small layouts with generated layers.
 */
public final class Layouts {
  private Layouts() {}

  /** Tag → manifest digest, from {@code index.json}. */
  public static Map<String, String> tags(Path layout) {
    Map<String, String> tags = new TreeMap<>();
    if (!Files.exists(layout.resolve("index.json"))) {
      return tags;
    }
    for (JsonNode m : json(layout.resolve("index.json")).path("manifests")) {
      tags.put(m.path("annotations").path("org.opencontainers.image.ref.name").asText(), m.path("digest").asText());
    }
    return tags;
  }

  /** Every digest the entries of {@code index.json} reach (manifests, indexes, configs, layers). */
  public static Set<String> reachable(Path layout) {
    Set<String> seen = new HashSet<>();
    for (JsonNode m : json(layout.resolve("index.json")).path("manifests")) {
      reach(layout, m, seen);
    }
    return seen;
  }

  private static void reach(Path layout, JsonNode desc, Set<String> seen) {
    String digest = desc.path("digest").asText();
    if (!seen.add(digest)) {
      return;
    }
    String type = desc.path("mediaType").asText();
    if (type.contains("manifest") || type.contains("index")) {
      JsonNode doc = json(blob(layout, digest));
      doc.path("manifests").forEach(c -> reach(layout, c, seen));
      if (doc.has("config")) {
        reach(layout, doc.path("config"), seen);
      }
      doc.path("layers").forEach(l -> reach(layout, l, seen));
    }
  }

  /** The file of blob {@code digest}. */
  public static Path blob(Path layout, String digest) {
    Digest d = Digest.parse(digest);
    return layout.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  /** The files under {@code blobs/sha256/} whose content does not hash to their name (temporary files excluded). */
  public static List<String> misnamedBlobs(Path layout) {
    List<String> bad = new ArrayList<>();
    for (Path f : files(layout.resolve("blobs/sha256"))) {
      String name = f.getFileName().toString();
      if (!name.endsWith(".tmp") && !sha256(f).equals(name)) {
        bad.add(name);
      }
    }
    return bad;
  }

  /** The digests reachable from some tag whose blob is missing. */
  public static List<String> missingBlobs(Path layout) {
    return reachable(layout).stream().filter(d -> !Files.exists(blob(layout, d))).sorted().toList();
  }

  /** Relative path → size, modification time and inode of every file under {@code dir}: a listing to compare. */
  public static Map<String, String> listing(Path dir) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    for (Path f : files(dir)) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        out.put(dir.relativize(f).toString(), a.size() + " " + a.lastModifiedTime().toMillis() + " " + a.fileKey());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** Copies the tree {@code from} (a layout, a cache) to {@code to}, which it creates. */
  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  public static List<Path> files(Path dir) {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String sha256(Path file) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (var in = Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      return Digest.fromBytes("sha256", md.digest()).hex();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  public static JsonNode json(Path file) {
    try {
      return ImageJson.mapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes an OCI layout at {@code dir} by hand: one image per tag, each layer given as its bytes
   * (uncompressed media type, so that its diffID is its digest). Tags already there are replaced.
   */
  public static void writeImages(Path dir, Map<String, List<byte[]>> layersByTag) {
    try {
      Files.createDirectories(dir.resolve("blobs/sha256"));
      Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      Map<String, JsonNode> entries = new TreeMap<>();
      if (Files.exists(dir.resolve("index.json"))) {
        for (JsonNode m : json(dir.resolve("index.json")).path("manifests")) {
          entries.put(m.path("annotations").path("org.opencontainers.image.ref.name").asText(), m);
        }
      }
      for (Map.Entry<String, List<byte[]>> image : layersByTag.entrySet()) {
        ObjectNode config = ImageJson.mapper().createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        ObjectNode manifest = ImageJson.mapper().createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        ArrayNode layers = manifest.putArray("layers");
        for (byte[] layer : image.getValue()) {
          String digest = writeBlob(dir, layer);
          diffIds.add(digest);
          layers.add(descriptor("application/vnd.oci.image.layer.v1.tar", digest, layer.length));
        }
        byte[] configBytes = ImageJson.mapper().writeValueAsBytes(config);
        manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", writeBlob(dir, configBytes), configBytes.length));
        byte[] manifestBytes = ImageJson.mapper().writeValueAsBytes(manifest);
        ObjectNode entry = descriptor("application/vnd.oci.image.manifest.v1+json", writeBlob(dir, manifestBytes), manifestBytes.length);
        entry.putObject("annotations").put("org.opencontainers.image.ref.name", image.getKey());
        entries.put(image.getKey(), entry);
      }
      ObjectNode index = ImageJson.mapper().createObjectNode();
      index.put("schemaVersion", 2);
      entries.values().forEach(index.putArray("manifests")::add);
      Files.write(dir.resolve("index.json"), ImageJson.mapper().writeValueAsBytes(index));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    ObjectNode d = ImageJson.mapper().createObjectNode();
    d.put("mediaType", mediaType);
    d.put("digest", digest);
    d.put("size", size);
    return d;
  }

  private static String writeBlob(Path dir, byte[] bytes) throws IOException {
    Digest d = Digest.sha256(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), bytes);
    return d.toString();
  }
}
