package org.layerfs.pipeline.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableMultiset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.registry.RegistryDestination;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.TappedRegistries;
import org.layerfs.transforms.copy.SparseIndex;

/**
 * {@code --platform} with a list copies an index with only those platforms, through real
 * registries: a new index, read back by skopeo, that names the index it was made from; a sync
 * of a tag chosen by platform that has not changed reads the index once and nothing else.
 */
class RegistryPlatformsTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();
  /** The sample index has linux/amd64 and linux/arm64/v8; riscv64 it lacks. */
  static final String PLATFORMS = "linux/amd64,linux/riscv64";

  @TempDir static Path dir;
  static TappedRegistries registries;
  static RegistryServer source;
  static RegistryServer destination;
  static RequestTap sourceTap;
  static RequestTap destinationTap;
  static String multi;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registries = TappedRegistries.start(dir);
    source = registries.source;
    destination = registries.destination;
    sourceTap = registries.sourceTap;
    destinationTap = registries.destinationTap;
    RegistryNoopTest.sync("oci:" + IMAGES, "docker://" + source.host() + "/app");
    multi = Layouts.tags(IMAGES).get("multi");
  }

  @AfterAll
  static void stop() throws Exception {
    registries.close();
  }

  @BeforeEach
  void clearCounts() {
    registries.clear();
  }

  @Test
  void aListOfPlatformsCopiesAnIndexOfThoseAloneAndSaysWhatItWasMadeFrom() throws Exception {
    Path report = tmp.resolve("report.json");
    Cli.Result r = Cli.run("sync", "docker://" + source.host() + "/app:multi", "docker://" + destination.host() + "/sparse:multi",
        "--platform", PLATFORMS, "--tls-verify=false", "--report", report.toString());
    assertEquals(0, r.exit(), r::toString);

    String raw = CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + destination.host() + "/sparse:multi");
    JsonNode index = ImageJson.tree(raw.getBytes(UTF_8), "sparse index");
    String sparse = Digest.sha256(raw.getBytes(UTF_8)).toString();
    assertNotEquals(multi, sparse);
    assertEquals(1, index.path("manifests").size(), raw);
    assertEquals("amd64", index.path("manifests").get(0).path("platform").path("architecture").asText(), raw);
    assertEquals(multi, index.path("annotations").path(SparseIndex.SOURCE_INDEX).asText(), raw);
    JsonNode image = Layouts.json(report).path("images").get(0);
    assertEquals(sparse, image.path("digest").asText(), image::toString);
    assertEquals(multi, image.path("sourceIndex").asText(), image::toString);
    assertEquals(PLATFORMS, image.path("platforms").asText(), image::toString);
    // The platform left out was not copied.
    String arm = ImageJson.parseManifestOrIndex(Files.readAllBytes(Layouts.blob(IMAGES, multi)), MediaTypes.OCI_INDEX, "multi")
        .index().get().manifests().stream().filter(d -> d.platform().get().architecture().equals("arm64")).findFirst().get()
        .digest().toString();
    try (RegistryDestination at = RegistryDestination.open(destination.reference("sparse"), destination.config())) {
      assertFalse(at.hasManifest(Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.parse(arm), 1)));
    }

    // Nothing changed: one HEAD and the index at the source, one HEAD at the destination; the YAML key says the same.
    Cli.Result again = Cli.run("sync", "docker://" + sourceTap.host() + "/app:multi", "docker://" + destinationTap.host() + "/sparse:multi",
        "--platform", PLATFORMS, "--tls-verify=false");
    assertTrue(again.out().contains("1 images: 0 copied, 0 moved, 1 up to date, 0 failed"), again::toString);
    assertEquals(ImmutableMultiset.of("HEAD manifest", "GET manifest"), sourceTap.kinds(), sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.of("HEAD manifest"), destinationTap.kinds(), destinationTap.requests()::toString);
    Path config = tmp.resolve("mirror.yaml");
    Files.writeString(config, String.join("\n",
        source.host() + ":",
        "  images:",
        "    app: [multi]",
        "  platforms: [linux/amd64, linux/riscv64]",
        "  tls-verify: false",
        ""));
    Cli.Result yaml = Cli.run("sync", "--config", config.toString(), "docker://" + destination.host() + "/m", "--tls-verify=false");
    assertEquals(0, yaml.exit(), yaml::toString);
    assertEquals(sparse, Digest.sha256(CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false",
        "docker://" + destination.host() + "/m/app:multi").getBytes(UTF_8)).toString());
  }

  @Test
  void anUnchangedTagOfOnePlatformCostsAHeadAndTheIndex() {
    Cli.Result first = Cli.run("sync", "docker://" + source.host() + "/app:multi", "docker://" + destination.host() + "/arm:multi",
        "--platform", "linux/arm64", "--tls-verify=false");
    assertEquals(0, first.exit(), first::toString);
    sourceTap.clear();

    Cli.Result again = Cli.run("sync", "docker://" + sourceTap.host() + "/app:multi", "docker://" + destinationTap.host() + "/arm:multi",
        "--platform", "linux/arm64", "--tls-verify=false");

    assertTrue(again.out().contains("1 images: 0 copied, 0 moved, 1 up to date, 0 failed"), again::toString);
    assertEquals(ImmutableMultiset.of("HEAD manifest", "GET manifest"), sourceTap.kinds(), sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.of("HEAD manifest"), destinationTap.kinds(), destinationTap.requests()::toString);
  }
}
