package org.layerfs.pipeline.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.Trees;

/**
 * {@code --platform A,B} of an index whose entries include an index: the platforms inside the
 * nested one cannot be left out of it without making it a new index too, so the image is refused,
 * naming the nested index, rather than copied with what the nested index holds silently dropped.
 */
class NestedIndexPlatformsTest {
  @Test
  void platformsOfANestedIndexAreRefusedNamingItAndNothingIsTagged(@TempDir Path tmp) throws Exception {
    Path layout = tmp.resolve("nested");
    String nested = nestedLayout(layout);
    Path out = tmp.resolve("out");

    Cli.Result r = Cli.run("copy", "oci:" + layout + ":nested", "oci:" + out + ":nested", "--platform", "linux/amd64,linux/arm64");

    assertEquals(1, r.exit(), r::toString);
    String failed = r.err().lines().filter(l -> l.startsWith("failed: ")).findFirst().orElse("");
    assertTrue(failed.contains("oci:" + layout + ":nested"), "names the image: " + r);
    assertTrue(failed.contains("nested index " + nested), "names the nested index: " + r);
    assertFalse(Files.exists(out.resolve("index.json")) && Layouts.tags(out).containsKey("nested"), "no tag: " + r);
  }

  @Test
  void onePlatformOfANestedIndexIsStillCopied(@TempDir Path tmp) throws Exception {
    Path layout = tmp.resolve("nested");
    nestedLayout(layout);
    Path out = tmp.resolve("out");

    Cli.Result r = Cli.run("copy", "oci:" + layout + ":nested", "oci:" + out + ":arm", "--platform", "linux/arm64");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(Layouts.tags(out).containsKey("arm"), r::toString);
  }

  /**
   * The sample images with one tag, {@code nested}: an index of the sample multi's amd64 manifest
   * and an index holding its arm64 one. Returns the nested index's digest.
   */
  private static String nestedLayout(Path layout) throws IOException {
    Path images = TestData.images().toAbsolutePath().normalize();
    Trees.copy(images, layout);
    JsonNode multi = Layouts.json(Layouts.blob(images, Layouts.tags(images).get("multi")));
    ObjectNode inner = (ObjectNode) multi.deepCopy();
    ArrayNode innerEntries = inner.putArray("manifests");
    innerEntries.add(multi.get("manifests").get(1));
    ObjectNode innerDescriptor = put(layout, inner);
    ObjectNode top = (ObjectNode) multi.deepCopy();
    ArrayNode topEntries = top.putArray("manifests");
    topEntries.add(multi.get("manifests").get(0));
    topEntries.add(innerDescriptor);
    ObjectNode topDescriptor = put(layout, top);
    topDescriptor.putObject("annotations").put("org.opencontainers.image.ref.name", "nested");
    ObjectNode index = ImageJson.mapper().createObjectNode().put("schemaVersion", 2);
    index.putArray("manifests").add(topDescriptor);
    Files.write(layout.resolve("index.json"), ImageJson.mapper().writeValueAsBytes(index));
    return innerDescriptor.get("digest").asText();
  }

  /** Writes {@code index} as a blob of {@code layout}; its descriptor. */
  private static ObjectNode put(Path layout, ObjectNode index) throws IOException {
    byte[] bytes = ImageJson.mapper().writeValueAsString(index).getBytes(UTF_8);
    Digest digest = Digest.sha256(bytes);
    Files.write(Layouts.blob(layout, digest.toString()), bytes);
    return ImageJson.mapper().createObjectNode().put("mediaType", MediaTypes.OCI_INDEX).put("digest", digest.toString())
        .put("size", bytes.length);
  }
}
