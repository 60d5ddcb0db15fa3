package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.pipeline.testing.Artifacts;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Jsonl;
import org.layerfs.pipeline.testing.Layouts;

/**
 * OCI artifacts (a Helm chart, SBOM and signature manifests, fallback indexes of referrers, a
 * legacy cosign signature) are not broken images: synced as they are, inspected with their
 * artifact type, listed by {@code index}, refused by {@code unpack}.
 */
class ArtifactCommandTest {
  @TempDir Path tmp;

  @Test
  void aLayoutOfArtifactsIsSyncedInspectedIndexedAndNotUnpacked() throws Exception {
    Artifacts fixture = new Artifacts();
    Path src = tmp.resolve("src");
    fixture.writeTo(Artifacts.layout(src), "", true);
    Path dst = tmp.resolve("dst");

    Cli.Result sync = Cli.run("sync", "oci:" + src, "oci:" + dst);
    assertEquals(0, sync.exit(), sync::toString);
    Map<String, String> tags = Layouts.tags(src);
    for (String tag : List.of("1", "chart", fixture.legacyTag())) {
      assertEquals(tags.get(tag), Layouts.tags(dst).get(tag), tag);
    }
    // A fallback index is merged referrer by referrer at the destination: the same entries, in
    // the order the referrers were committed.
    String fallback = Artifacts.fallbackTag(fixture.image);
    assertEquals(entries(src, fallback), entries(dst, fallback));
    assertTrue(Layouts.missingBlobs(dst).isEmpty(), () -> Layouts.missingBlobs(dst).toString());
    for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature, fixture.chart)) {
      assertTrue(Files.isRegularFile(Layouts.blob(dst, m.digest().toString())), m.digest().toString());
    }

    Cli.Result inspect = Cli.run("inspect", "oci:" + dst + ":chart", "--json");
    assertEquals(0, inspect.exit(), inspect::toString);
    JsonNode chart = ImageJson.mapper().readTree(inspect.out()).get(0);
    assertTrue(chart.path("artifact").asBoolean(), chart::toString);
    assertEquals(Artifacts.HELM_CONFIG, chart.path("artifactType").asText());
    assertEquals("demo", chart.path("configContent").path("name").asText());
    Cli.Result text = Cli.run("inspect", "oci:" + dst + ":" + Artifacts.fallbackTag(fixture.image));
    assertEquals(0, text.exit(), text::toString);
    assertTrue(text.out().contains("artifact  " + Artifacts.SBOM_TYPE), text::toString);
    assertTrue(text.out().contains("subject   " + fixture.image.digest()), text::toString);

    Path catalog = tmp.resolve("catalog");
    Cli.Result index = Cli.run("index", "oci:" + dst, "--out", catalog.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, index.exit(), index::toString);
    List<JsonNode> images = Jsonl.read(catalog.resolve("images.jsonl"));
    JsonNode app = images.stream().filter(n -> n.path("ref").asText().endsWith(":1")).findFirst().orElseThrow();
    assertFalse(app.has("artifact"), app::toString);
    assertEquals(1, app.path("files").asInt(), app::toString);
    JsonNode chartRecord = images.stream().filter(n -> n.path("ref").asText().endsWith(":chart")).findFirst().orElseThrow();
    assertTrue(chartRecord.path("artifact").asBoolean(), chartRecord::toString);
    assertEquals(Artifacts.HELM_CONFIG, chartRecord.path("artifactType").asText());
    JsonNode legacy = images.stream().filter(n -> n.path("ref").asText().endsWith(".sig")).findFirst().orElseThrow();
    assertTrue(legacy.path("artifact").asBoolean(), legacy::toString);
    // Only the image's layer was read as a tar.
    assertEquals(1, Jsonl.read(catalog.resolve("layers.jsonl")).size());
    assertEquals(0, Cli.run("report", catalog.toString()).exit());

    Cli.Result unpack = Cli.run("unpack", "oci:" + dst + ":chart", tmp.resolve("rootfs").toString());
    assertEquals(1, unpack.exit(), unpack::toString);
    assertTrue(unpack.err().contains("is an OCI artifact of type " + Artifacts.HELM_CONFIG + ", not a container image"), unpack::toString);
    assertFalse(Files.exists(tmp.resolve("rootfs")));
  }

  @Test
  void aWholeRegistryRepositoryWithArtifactsSyncsAndSkopeoReadsTheCopy() throws Exception {
    Artifacts fixture = new Artifacts();
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      fixture.writeTo(Artifacts.registry(registry.host(), "supply", registry.config()), "", true);
      Path out = tmp.resolve("out");
      Cli.Result r = Cli.run("sync", "docker://" + registry.host() + "/supply", "oci:" + out, "--tls-verify=false");
      assertEquals(0, r.exit(), r::toString);
      Cli.Result back = Cli.run("sync", "oci:" + out, "docker://" + registry.host() + "/back", "--tls-verify=false");
      assertEquals(0, back.exit(), back::toString);
      for (String tag : List.of("1", "chart", fixture.legacyTag())) {
        assertEquals(Layouts.tags(out).get(tag), Digest.sha256(skopeoRaw(registry, tag)).toString(), tag);
      }
      String fallback = Artifacts.fallbackTag(fixture.image);
      assertEquals(entries(out, fallback), digests(skopeoRaw(registry, fallback)));
    }
  }

  private static byte[] skopeoRaw(RegistryServer registry, String tag) throws Exception {
    return CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + registry.host() + "/back:" + tag)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The digests a layout's fallback index lists, as a set. */
  private static Set<String> entries(Path layout, String tag) throws IOException {
    return digests(Files.readAllBytes(Layouts.blob(layout, Layouts.tags(layout).get(tag))));
  }

  private static Set<String> digests(byte[] index) throws IOException {
    return FallbackIndex.entries(index, "fallback index").stream().map(d -> d.digest().toString()).collect(Collectors.toSet());
  }
}
