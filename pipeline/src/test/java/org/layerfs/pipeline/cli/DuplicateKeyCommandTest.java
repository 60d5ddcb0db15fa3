package org.layerfs.pipeline.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.pipeline.testing.Cli;

/**
 * A manifest or config with a key twice is refused by {@code inspect} and {@code index} with a
 * message naming the key and the document, exit 1, whichever value a parser would keep.
 */
class DuplicateKeyCommandTest {
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String LAYER = "application/vnd.oci.image.layer.v1.tar";

  @TempDir Path tmp;

  /** A layout with one image, tag {@code twice}, whose manifest and config are given as text. */
  private Path layout(String manifestTemplate, String config) throws IOException {
    Path dir = tmp.resolve("layout");
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    byte[] layer = new byte[1024]; // an empty tar: two zero blocks
    String layerDesc = descriptor(LAYER, blob(dir, layer), layer.length);
    byte[] configBytes = config.replace("DIFF_ID", Digest.sha256(layer).toString()).getBytes(UTF_8);
    String configDesc = descriptor("application/vnd.oci.image.config.v1+json", blob(dir, configBytes), configBytes.length);
    byte[] manifest = manifestTemplate.replace("CONFIG", configDesc).replace("LAYER", layerDesc).getBytes(UTF_8);
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + descriptor(MANIFEST, blob(dir, manifest), manifest.length)
        .replaceFirst("}$", ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"twice\"}}") + "]}");
    return dir;
  }

  private static String descriptor(String mediaType, Digest digest, long size) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
  }

  private static Digest blob(Path dir, byte[] bytes) throws IOException {
    Digest d = Digest.sha256(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), bytes);
    return d;
  }

  private static final String GOOD_CONFIG = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"DIFF_ID\"]}}";

  @Test
  void aManifestWithLayersTwiceFailsInspectAndIndexNamingTheKey() throws IOException {
    Path dir = layout("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":CONFIG,\"layers\":[LAYER],\"layers\":[]}",
        GOOD_CONFIG);
    Cli.Result inspect = Cli.run("inspect", "oci:" + dir + ":twice");
    assertEquals(1, inspect.exit(), inspect::toString);
    assertTrue(inspect.err().contains("manifest") && inspect.err().contains("key \"layers\" twice"), inspect::toString);

    Cli.Result index = Cli.run("index", "oci:" + dir + ":twice", "--out", tmp.resolve("out").toString(),
        "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(1, index.exit(), index::toString);
    assertTrue(index.err().contains("key \"layers\" twice"), index::toString);
  }

  @Test
  void aConfigWithDiffIdsTwiceFailsInspectNamingTheKey() throws IOException {
    Path dir = layout("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":CONFIG,\"layers\":[LAYER]}",
        "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"DIFF_ID\"],\"diff_ids\":[]}}");
    Cli.Result inspect = Cli.run("inspect", "oci:" + dir + ":twice");
    assertEquals(1, inspect.exit(), inspect::toString);
    assertTrue(inspect.err().contains("config") && inspect.err().contains("key \"diff_ids\" twice"), inspect::toString);
  }

  @Test
  void aMirrorConfigWithARegistryTwiceIsAUsageError() throws IOException {
    Path config = tmp.resolve("mirror.yaml");
    Files.writeString(config, "registry.example:\n  images:\n    a: []\nregistry.example:\n  images:\n    b: []\n");
    Cli.Result r = Cli.run("sync", "--config", config.toString(), "oci:" + tmp.resolve("dst"), "--dry-run");
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(config.toString()) && r.err().contains("registry.example"), r::toString);
  }
}
