package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.ReferrersRegistry;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.pipeline.testing.Artifacts;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/**
 * {@code sync --prune} removes a pruned image's referrers with it (its fallback tags, the
 * referrer manifests they list, the referrer of a referrer, its legacy cosign tag) and never one
 * a kept image still has; {@code --dry-run} lists the same. Against the real docker-registry
 * (fallback tags), the in-process registry with the referrers API, and an OCI layout.
 */
class ReferrersPruneTest {
  @TempDir Path tmp;

  private final Artifacts fixture = new Artifacts();

  @Test
  void pruneRemovesTheReferrersOfAPrunedImageAtARegistryWithoutTheApi() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String dst = "docker://" + registry.host() + "/dst";
      String fresh = mirrored(registry);

      Cli.Result dry = Cli.run("sync", fresh, dst, "--tls-verify=false", "--prune", "--dry-run");
      assertEquals(0, dry.exit(), dry::toString);
      assertEquals(expectedRemovals(dst, true), removals(dry.out(), "would remove referrer: "), dry::toString);
      assertTrue(dry.out().contains("would remove: " + dst + ":1"), dry::toString);
      assertTrue(ReferrersCommandTest.exists(dst + "@" + fixture.sbom.digest()), "a dry run removes nothing");

      Path report = tmp.resolve("report.json");
      Cli.Result r = Cli.run("sync", fresh, dst, "--tls-verify=false", "--prune", "--report", report.toString());
      assertEquals(0, r.exit(), r::toString);
      assertEquals(expectedRemovals(dst, true), removals(r.out(), "pruned referrer: "), r::toString);
      assertTrue(r.out().contains("pruned: 1 tags, 6 referrers"), r::toString);
      assertEquals(List.of("chart"), ReferrersCommandTest.tags(dst));
      for (Artifacts.Blob m : List.of(fixture.image, fixture.sbom, fixture.signature, fixture.sbomSignature, fixture.legacySig)) {
        assertFalse(ReferrersCommandTest.exists(dst + "@" + m.digest()), m.digest().toString());
      }
      JsonNode json = Layouts.json(report);
      assertEquals(List.of(dst + ":1"), texts(json.path("pruned")));
      assertEquals(expectedRemovals(dst, true), new TreeSet<>(texts(json.path("prunedReferrers"))));
      assertEquals(DryRunLines.decisions(r.out()), DryRunLines.decisions(dry.out()), "the dry run said what the run did");
    }
  }

  @Test
  void aReferrerOfAManifestAKeptTagNamesStays() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String dst = "docker://" + registry.host() + "/dst";
      String fresh = mirrored(registry);
      // A tag outside the selection names the pruned tag's manifest: the image stays, so do its referrers.
      assertEquals(0, Cli.run("copy", "docker://" + registry.host() + "/src:1", dst + ":other", "--tls-verify=false").exit());

      Cli.Result r = Cli.run("sync", fresh, dst, "--tls-verify=false", "--prune", "--tags", "^(1|chart)$");
      assertEquals(0, r.exit(), r::toString);
      assertFalse(r.out().contains("referrer:"), r::toString);
      assertTrue(r.out().contains("kept: " + dst + ":1: shares manifest " + fixture.image.digest()), r::toString);
      for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature, fixture.legacySig)) {
        assertTrue(ReferrersCommandTest.exists(dst + "@" + m.digest()), m.digest().toString());
      }
      assertTrue(ReferrersCommandTest.tags(dst).containsAll(List.of(fixture.legacyTag(), Artifacts.fallbackTag(fixture.image))), r::toString);
    }
  }

  @Test
  void pruneRemovesTheReferrersOfAPrunedImageThroughTheReferrersApi() throws Exception {
    try (ReferrersRegistry api = ReferrersRegistry.start()) {
      fixture.writeTo(Artifacts.registry(api.host(), "src", org.layerfs.io.registry.RegistryConfig.defaults().withTlsVerify(false)),
          "", false);
      String src = "docker://" + api.host() + "/src";
      String dst = "docker://" + api.host() + "/dst";
      assertEquals(0, Cli.run("sync", src, dst, "--tls-verify=false").exit());
      String fresh = chartOnly(src, "docker://" + api.host() + "/fresh");

      Cli.Result dry = Cli.run("sync", fresh, dst, "--tls-verify=false", "--prune", "--dry-run");
      assertEquals(0, dry.exit(), dry::toString);
      assertEquals(expectedRemovals(dst, false), removals(dry.out(), "would remove referrer: "), dry::toString);

      Cli.Result r = Cli.run("sync", fresh, dst, "--tls-verify=false", "--prune");
      assertEquals(0, r.exit(), r::toString);
      assertEquals(expectedRemovals(dst, false), removals(r.out(), "pruned referrer: "), r::toString);
      assertEquals(List.of("chart"), api.tags("dst"));
      for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature)) {
        assertTrue(api.requests().contains("DELETE /v2/dst/manifests/" + m.digest()), m.digest().toString());
      }
    }
  }

  @Test
  void pruneRemovesTheReferrersOfAPrunedImageFromALayout() throws Exception {
    Path src = tmp.resolve("src");
    fixture.writeTo(Artifacts.layout(src), "", true);
    Path dst = tmp.resolve("dst");
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
    Path fresh = tmp.resolve("fresh");
    assertEquals(0, Cli.run("copy", "oci:" + src + ":chart", "oci:" + fresh + ":chart").exit());

    Cli.Result dry = Cli.run("sync", "oci:" + fresh, "oci:" + dst, "--prune", "--dry-run");
    assertEquals(0, dry.exit(), dry::toString);
    Cli.Result r = Cli.run("sync", "oci:" + fresh, "oci:" + dst, "--prune");
    assertEquals(0, r.exit(), r::toString);
    Set<String> expected = expectedRemovals("oci:" + dst, true);
    assertEquals(expected, removals(dry.out(), "would remove referrer: "), dry::toString);
    assertEquals(expected, removals(r.out(), "pruned referrer: "), r::toString);
    assertEquals(Set.of("chart"), Layouts.tags(dst).keySet());
    for (Artifacts.Blob m : List.of(fixture.image, fixture.sbom, fixture.signature, fixture.sbomSignature, fixture.legacySig)) {
      assertFalse(Files.exists(Layouts.blob(dst, m.digest().toString())), m.digest().toString());
    }
  }

  /**
   * The fixture at {@code src} of {@code registry} (with fallback tags), synced whole to {@code
   * dst}; returns a repository holding only the chart, to prune {@code dst} from.
   */
  private String mirrored(RegistryServer registry) throws Exception {
    String src = "docker://" + registry.host() + "/src";
    fixture.writeTo(Artifacts.registry(registry.host(), "src", registry.config()), "", true);
    assertEquals(0, Cli.run("sync", src, "docker://" + registry.host() + "/dst", "--tls-verify=false").exit());
    return chartOnly(src, "docker://" + registry.host() + "/fresh");
  }

  /** A repository or layout holding only the chart, without its referrers. */
  private String chartOnly(String src, String fresh) throws Exception {
    Cli.Result r = Cli.run("copy", src + ":chart", fresh + ":chart", "--tls-verify=false", "--referrers=false");
    assertEquals(0, r.exit(), r::toString);
    return fresh;
  }

  /** The referrers of the pruned image, as the run names them: manifests by digest, legacy and (with {@code fallback}) fallback tags. */
  private Set<String> expectedRemovals(String store, boolean fallback) {
    Set<String> expected = new TreeSet<>();
    for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature)) {
      expected.add(store + "@" + m.digest());
    }
    expected.add(store + ":" + fixture.legacyTag());
    if (fallback) {
      expected.add(store + ":" + Artifacts.fallbackTag(fixture.image));
      expected.add(store + ":" + Artifacts.fallbackTag(fixture.sbom));
    }
    return expected;
  }

  private static Set<String> removals(String out, String prefix) {
    Set<String> found = new TreeSet<>();
    for (String line : out.split("\n")) {
      if (line.startsWith(prefix)) {
        found.add(line.substring(prefix.length()));
      }
    }
    return found;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
