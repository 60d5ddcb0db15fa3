package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/**
 * {@code sync --prune} and {@code move} against a real registry (docker-registry, deletes
 * enabled), which deletes manifests with all their tags and cannot delete a tag alone: a tag
 * that shares its manifest with a tag that stays is kept, and the report says so; {@code --dry-run}
 * says the same before.
 */
class RegistryPruneTest {
  @TempDir static Path registryDir;
  static RegistryServer registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.start(registryDir);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void pruneKeepsATagWhoseManifestATagThatStaysNames() throws Exception {
    byte[] shared = CopyCommandTest.bytes(100, 1);
    Path src = tmp.resolve("src");
    Layouts.writeImages(src, Map.of("keep", List.of(shared), "gone", List.of(shared), "drop", List.of(CopyCommandTest.bytes(100, 2))));
    String mirror = "docker://" + registry.host() + "/prune";
    assertEquals(0, Cli.run("sync", "oci:" + src, mirror, "--tls-verify=false").exit());
    String manifest = Layouts.tags(src).get("keep");
    assertEquals(manifest, Layouts.tags(src).get("gone"));
    Path fresh = tmp.resolve("fresh");
    Layouts.writeImages(fresh, Map.of("keep", List.of(shared)));

    Cli.Result dry = Cli.run("sync", "oci:" + fresh, mirror, "--tls-verify=false", "--prune", "--dry-run");
    assertEquals(0, dry.exit(), dry::toString);
    assertTrue(dry.out().contains("would keep: " + mirror + ":gone: shares manifest " + manifest + " with tag keep;"), dry::toString);
    assertTrue(dry.out().contains("would remove: " + mirror + ":drop"), dry::toString);
    assertTrue(!dry.out().contains("would remove: " + mirror + ":gone"), dry::toString);
    assertEquals(Layouts.tags(src).get("drop"), skopeoDigest(mirror + ":drop"), "a dry run removes nothing");

    Path report = tmp.resolve("report.json");
    Cli.Result r = Cli.run("sync", "oci:" + fresh, mirror, "--tls-verify=false", "--prune", "--report", report.toString());

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("pruned: " + mirror + ":drop"), r::toString);
    assertTrue(r.out().contains("kept: " + mirror + ":gone: shares manifest " + manifest + " with tag keep;"), r::toString);
    assertTrue(!r.out().contains("pruned: " + mirror + ":gone"), r::toString);
    assertEquals(manifest, skopeoDigest(mirror + ":keep"));
    assertEquals(manifest, skopeoDigest(mirror + ":gone"));
    JsonNode json = Layouts.json(report);
    assertEquals(List.of(mirror + ":drop"), texts(json.path("pruned")));
    assertEquals(mirror + ":gone", json.path("kept").get(0).path("image").asText());
    assertTrue(json.path("kept").get(0).path("reason").asText().startsWith("shares manifest " + manifest + " with tag keep;"), json::toString);
    assertEquals(DryRunLines.decisions(r.out()), DryRunLines.decisions(dry.out()), "the dry run said what the run did");
  }

  @Test
  void moveKeepsASourceTagWhoseManifestATagNotMovedNames() throws Exception {
    Path src = tmp.resolve("src");
    byte[] shared = CopyCommandTest.bytes(100, 3);
    Layouts.writeImages(src, Map.of("moving", List.of(shared), "staying", List.of(shared)));
    String source = "docker://" + registry.host() + "/move-src";
    assertEquals(0, Cli.run("sync", "oci:" + src, source, "--tls-verify=false").exit());
    String manifest = Layouts.tags(src).get("moving");
    Path dst = tmp.resolve("dst");

    Cli.Result dry = Cli.run("move", source + ":moving", "oci:" + dst, "--tls-verify=false", "--dry-run");
    assertEquals(0, dry.exit(), dry::toString);
    assertTrue(dry.out().contains("would copy: " + source + ":moving -> oci:" + dst + ":moving"), dry::toString);
    assertTrue(!dry.out().contains("would move:"), dry::toString);

    Cli.Result r = Cli.run("move", source + ":moving", "oci:" + dst, "--tls-verify=false");

    assertEquals(0, r.exit(), r::toString);
    assertEquals(Map.of("moving", manifest), Layouts.tags(dst));
    assertTrue(r.out().contains("1 copied, 0 moved"), r::toString);
    assertTrue(r.out().contains("kept: " + source + ":moving: shares manifest " + manifest + " with tag staying;"), r::toString);
    assertEquals(manifest, skopeoDigest(source + ":staying"));
    assertEquals(manifest, skopeoDigest(source + ":moving"));
    assertTrue(dry.out().contains("would keep: " + source + ":moving: shares manifest " + manifest + " with tag staying;"), dry::toString);
    assertEquals(DryRunLines.decisions(r.out()), DryRunLines.decisions(dry.out()), "the dry run said what the run did");
  }

  private static String skopeoDigest(String reference) throws Exception {
    String raw = CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", reference);
    return org.layerfs.io.model.Digest.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
