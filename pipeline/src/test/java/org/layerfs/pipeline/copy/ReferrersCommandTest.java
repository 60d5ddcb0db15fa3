package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.registry.ReferrersRegistry;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;
import org.layerfs.pipeline.testing.Artifacts;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/**
 * Referrers travel with their images: an image with two OCI 1.1 referrers (an SBOM, a
 * signature), a signature on the SBOM and a legacy cosign {@code .sig} tag, synced by one tag
 * between registries (the real docker-registry: fallback tags; the in-process one: the referrers
 * API), into an OCI layout and back, with skopeo reading every tag and digest at the far end.
 */
class ReferrersCommandTest {
  @TempDir Path tmp;

  private final Artifacts fixture = new Artifacts();

  @Test
  void referrersTravelThroughFallbackTagsIntoALayoutAndBack() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String host = registry.host();
      fixture.writeTo(Artifacts.registry(host, "src", registry.config()), "", true);
      // The destination already lists a referrer of the image the source does not have.
      fixture.writeNoteTo(Artifacts.registry(host, "dst", registry.config()), "", true);

      Path report = tmp.resolve("report.json");
      Cli.Result r = Cli.run("sync", "docker://" + host + "/src:1", "docker://" + host + "/dst:1", "--tls-verify=false",
          "--report", report.toString());
      assertEquals(0, r.exit(), r::toString);
      assertTrue(r.out().contains("1 images: 1 copied, 0 moved, 0 up to date, 0 failed; referrers: 4 copied"), r::toString);
      JsonNode json = Layouts.json(report);
      assertEquals(4, json.path("referrers").path("copied").asInt(), json::toString);
      assertEverythingAt("docker://" + host + "/dst", true);
      assertEquals(Set.of(fixture.sbom.digest(), fixture.signature.digest(), fixture.note.digest()),
          entries(raw("docker://" + host + "/dst:" + Artifacts.fallbackTag(fixture.image))), "merged with the note already there");

      Cli.Result again = Cli.run("sync", "docker://" + host + "/src:1", "docker://" + host + "/dst:1", "--tls-verify=false");
      assertEquals(0, again.exit(), again::toString);
      assertTrue(again.out().contains("1 images: 0 copied, 0 moved, 1 up to date, 0 failed; blobs: 0 copied"), again::toString);

      Path layout = tmp.resolve("layout");
      Cli.Result down = Cli.run("sync", "docker://" + host + "/src:1", "oci:" + layout, "--tls-verify=false");
      assertEquals(0, down.exit(), down::toString);
      assertEverythingAt("oci:" + layout, true);
      assertTrue(Layouts.missingBlobs(layout).isEmpty());

      Cli.Result up = Cli.run("sync", "oci:" + layout, "docker://" + host + "/back", "--tls-verify=false");
      assertEquals(0, up.exit(), up::toString);
      assertEverythingAt("docker://" + host + "/back", true);

      // A whole-repository prune keeps the referrers of the images it keeps, and the fallback tags listing them.
      Cli.Result pruned = Cli.run("sync", "docker://" + host + "/src", "docker://" + host + "/dst", "--tls-verify=false", "--prune");
      assertEquals(0, pruned.exit(), pruned::toString);
      assertFalse(pruned.out().contains("pruned:"), pruned::toString);
      assertEverythingAt("docker://" + host + "/dst", true);
      assertTrue(entries(raw("docker://" + host + "/dst:" + Artifacts.fallbackTag(fixture.image))).contains(fixture.note.digest()));

      Cli.Result none = Cli.run("sync", "docker://" + host + "/src:1", "docker://" + host + "/none:1", "--tls-verify=false",
          "--referrers=false");
      assertEquals(0, none.exit(), none::toString);
      assertEquals(List.of("1"), tags("docker://" + host + "/none"));
      assertFalse(exists("docker://" + host + "/none@" + fixture.sbom.digest()));
    }
  }

  @Test
  void referrersTravelThroughTheReferrersApiAndIntoARegistryWithout() throws Exception {
    try (ReferrersRegistry api = ReferrersRegistry.start();
        RegistryServer plain = RegistryServer.start(tmp.resolve("registry"))) {
      RegistryConfig config = plain.config();
      fixture.writeTo(Artifacts.registry(api.host(), "src", config), "", false);

      Cli.Result r = Cli.run("sync", "docker://" + api.host() + "/src:1", "docker://" + api.host() + "/dst:1", "--tls-verify=false");
      assertEquals(0, r.exit(), r::toString);
      assertEverythingAt("docker://" + api.host() + "/dst", false);
      assertEquals(List.of("1", fixture.legacyTag()), api.tags("dst"), "the API needs no fallback tag");
      assertTrue(api.requests().contains("GET /v2/src/referrers/" + fixture.image.digest()), api.requests()::toString);

      Cli.Result across = Cli.run("sync", "docker://" + api.host() + "/src:1", "docker://" + plain.host() + "/x:1", "--tls-verify=false");
      assertEquals(0, across.exit(), across::toString);
      assertEverythingAt("docker://" + plain.host() + "/x", true);

      Cli.Result typed = Cli.run("sync", "docker://" + api.host() + "/src:1", "docker://" + api.host() + "/typed:1",
          "--tls-verify=false", "--referrers-type", "spdx", "--dry-run");
      assertEquals(0, typed.exit(), typed::toString);
      assertTrue(typed.out().contains("referrer of " + fixture.image.digest() + ", " + fixture.sbom.digest()), typed::toString);
      assertFalse(typed.out().contains(fixture.signature.digest().toString()), typed::toString);
      assertFalse(typed.out().contains(fixture.legacyTag()), "the legacy .sig holds a simplesigning payload, not spdx: " + typed);
      assertTrue(typed.out().contains("planned: 1 images, 1 referrers"), typed::toString);

      // A legacy tag's type is the media type of the payload cosign wrote in it.
      Cli.Result legacy = Cli.run("sync", "docker://" + api.host() + "/src:1", "docker://" + api.host() + "/typed:1",
          "--tls-verify=false", "--referrers-type", "simplesigning", "--dry-run");
      assertEquals(0, legacy.exit(), legacy::toString);
      assertTrue(legacy.out().contains(fixture.legacyTag()), legacy::toString);
      assertTrue(legacy.out().contains("planned: 1 images, 1 referrers"), legacy::toString);
    }
  }

  @Test
  void moveOfSomeReferrerTypesLeavesTheOthersListedAtTheSource() throws Exception {
    try (ReferrersRegistry api = ReferrersRegistry.start();
        RegistryServer plain = RegistryServer.start(tmp.resolve("registry"))) {
      fixture.writeTo(Artifacts.registry(plain.host(), "src", plain.config()), "", true);
      fixture.writeTo(Artifacts.registry(api.host(), "src", plain.config()), "", false);
      for (String host : List.of(plain.host(), api.host())) {
        String src = "docker://" + host + "/src";
        Cli.Result r = Cli.run("move", src + ":1", "docker://" + host + "/dst:1", "--tls-verify=false", "--referrers-type", "spdx");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("referrers: 0 copied, 1 moved, 0 failed"), r::toString);
        assertFalse(exists(src + "@" + fixture.sbom.digest()), "the moved SBOM is gone from " + src);
        for (Artifacts.Blob m : List.of(fixture.signature, fixture.sbomSignature, fixture.legacySig)) {
          assertTrue(exists(src + "@" + m.digest()), m.digest() + " stays at " + src);
        }
        assertTrue(tags(src).contains(fixture.legacyTag()), src);
      }
      // Without the API, the fallback index at the source is rewritten without the SBOM alone.
      assertEquals(Set.of(fixture.signature.digest()),
          entries(raw("docker://" + plain.host() + "/src:" + Artifacts.fallbackTag(fixture.image))));
      assertTrue(api.requests().contains("DELETE /v2/src/manifests/" + fixture.sbom.digest()), api.requests()::toString);
      assertFalse(api.requests().contains("DELETE /v2/src/manifests/" + fixture.signature.digest()), api.requests()::toString);

      // Every referrer moved: the fallback indexes go too.
      fixture.writeTo(Artifacts.registry(plain.host(), "again", plain.config()), "", true);
      Cli.Result everything = Cli.run("move", "docker://" + plain.host() + "/again:1", "docker://" + plain.host() + "/dst2:1",
          "--tls-verify=false", "--referrers-type", "spdx|sig");
      assertEquals(0, everything.exit(), everything::toString);
      assertEquals(List.of("chart"), tags("docker://" + plain.host() + "/again"));
    }
  }

  @Test
  void aReferrerAddedLaterTravelsToImmutableAndPlatformChosenTags() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String host = registry.host();
      Artifacts.Store store = Artifacts.registry(host, "src", registry.config());
      fixture.writeTo(store, "", true);
      // A one-platform index of the image: --platform linux/amd64 copies the image alone.
      com.fasterxml.jackson.databind.node.ObjectNode entry = ImageJson.toJson(fixture.image.descriptor());
      entry.putObject("platform").put("architecture", "amd64").put("os", "linux");
      com.fasterxml.jackson.databind.node.ObjectNode index = ImageJson.mapper().createObjectNode();
      index.put("schemaVersion", 2).put("mediaType", org.layerfs.io.model.MediaTypes.OCI_INDEX);
      index.putArray("manifests").add(entry);
      store.manifest(new Artifacts.Blob(org.layerfs.io.model.MediaTypes.OCI_INDEX, ImageJson.mapper().writeValueAsBytes(index)),
          java.util.Optional.of("multi"));
      String src = "docker://" + host + "/src";
      String[] immutable = {"sync", src + ":1", "docker://" + host + "/immutable:1", "--tls-verify=false", "--immutable-tags", "^1$"};
      String[] platform = {"sync", src + ":multi", "docker://" + host + "/platform:multi", "--tls-verify=false",
          "--platform", "linux/amd64"};
      assertEquals(0, Cli.run(immutable).exit());
      assertEquals(0, Cli.run(platform).exit());

      fixture.writeNoteTo(store, "", true);

      for (String[] args : List.of(immutable, platform)) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("0 copied, 0 moved, 1 up to date, 0 failed; referrers: 1 copied"), r::toString);
        String dst = args[2].substring(0, args[2].lastIndexOf(':'));
        assertTrue(entries(raw(dst + ":" + Artifacts.fallbackTag(fixture.image))).contains(fixture.note.digest()), dst);
      }
    }
  }

  @Test
  void aNoOpSyncWithReferrersWritesNothing() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"));
        RequestTap tap = new RequestTap(registry.host())) {
      fixture.writeTo(Artifacts.registry(registry.host(), "src", registry.config()), "", true);
      String src = "docker://" + tap.host() + "/src";
      String dst = "docker://" + tap.host() + "/dst";
      assertEquals(0, Cli.run("sync", src, dst, "--tls-verify=false").exit());
      tap.clear();

      Cli.Result again = Cli.run("sync", src, dst, "--tls-verify=false");
      assertEquals(0, again.exit(), again::toString);
      assertTrue(again.out().contains("3 images: 0 copied, 0 moved, 3 up to date, 0 failed; blobs: 0 copied"), again::toString);
      List<String> writes = tap.requests().stream().filter(q -> !q.startsWith("GET") && !q.startsWith("HEAD")).toList();
      assertEquals(List.of(), writes);
      // The chart and the legacy signature have no referrers: nothing is asked about them.
      assertFalse(tap.requests().stream().anyMatch(q -> q.contains(Artifacts.fallbackTag(fixture.chart))), tap.requests()::toString);
    }
  }

  @Test
  void aMirrorConfigTurnsReferrersOffPerRegistry() throws Exception {
    Path src = tmp.resolve("src");
    fixture.writeTo(Artifacts.layout(src), "", true);
    for (boolean on : List.of(true, false)) {
      Path config = tmp.resolve("mirror-" + on + ".yaml");
      java.nio.file.Files.writeString(config, "oci:" + src + ":\n  images:\n    \"1\": []\n" + (on ? "" : "  referrers: false\n"));
      Path dst = tmp.resolve("dst-" + on);
      Cli.Result r = Cli.run("sync", "--config", config.toString(), "oci:" + dst);
      assertEquals(0, r.exit(), r::toString);
      Set<String> expected = on
          ? Set.of("1", fixture.legacyTag(), Artifacts.fallbackTag(fixture.image), Artifacts.fallbackTag(fixture.sbom))
          : Set.of("1");
      assertEquals(expected, Layouts.tags(dst).keySet());
    }
    Cli.Result bad = Cli.run("sync", "oci:" + src, "oci:" + tmp.resolve("x"), "--referrers=maybe");
    assertEquals(2, bad.exit(), bad::toString);
    assertTrue(bad.err().contains("--referrers takes true or false"), bad::toString);
  }

  @Test
  void moveTakesTheReferrersAwayFromTheSource() throws Exception {
    Path src = tmp.resolve("src");
    fixture.writeTo(Artifacts.layout(src), "", true);
    Path moved = tmp.resolve("moved");

    Cli.Result r = Cli.run("move", "oci:" + src + ":1", "oci:" + moved);
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("referrers: 0 copied, 4 moved, 0 failed"), r::toString);
    assertEverythingAt("oci:" + moved, true);
    assertEquals(Set.of("chart"), Layouts.tags(src).keySet(), "the image, its legacy tag and its fallback tags are gone");
    for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature, fixture.legacySig)) {
      assertFalse(java.nio.file.Files.exists(Layouts.blob(src, m.digest().toString())), m.digest().toString());
    }
  }

  /**
   * The image, its referrers (by digest), the legacy signature tag, and with {@code fallback} the
   * fallback tags listing them, all read by skopeo with the digests they have at the source.
   */
  private void assertEverythingAt(String store, boolean fallback) throws Exception {
    assertEquals(fixture.image.digest(), Digest.sha256(raw(store + ":1")));
    assertEquals(fixture.legacySig.digest(), Digest.sha256(raw(store + ":" + fixture.legacyTag())));
    for (Artifacts.Blob m : List.of(fixture.sbom, fixture.signature, fixture.sbomSignature)) {
      assertEquals(m.digest(), Digest.sha256(raw(store + "@" + m.digest())), m.digest().toString());
    }
    if (fallback) {
      assertTrue(entries(raw(store + ":" + Artifacts.fallbackTag(fixture.image)))
          .containsAll(Set.of(fixture.sbom.digest(), fixture.signature.digest())));
      assertEquals(Set.of(fixture.sbomSignature.digest()), entries(raw(store + ":" + Artifacts.fallbackTag(fixture.sbom))));
    }
  }

  /** The manifest bytes skopeo reads; a manifest by digest in a layout is read from its blob (skopeo's oci: takes tags only). */
  private static byte[] raw(String reference) throws Exception {
    int at = reference.indexOf('@');
    if (reference.startsWith("oci:") && at > 0) {
      return java.nio.file.Files.readAllBytes(Layouts.blob(Path.of(reference.substring(4, at)), reference.substring(at + 1)));
    }
    return CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", reference).getBytes(StandardCharsets.UTF_8);
  }

  static boolean exists(String reference) throws Exception {
    Process p = new ProcessBuilder("skopeo", "inspect", "--raw", "--tls-verify=false", reference).start();
    p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    return p.waitFor() == 0;
  }

  static List<String> tags(String repository) throws Exception {
    JsonNode list = ImageJson.mapper().readTree(CopyCommandTest.run("skopeo", "list-tags", "--tls-verify=false", repository));
    List<String> tags = new ArrayList<>();
    list.path("Tags").forEach(t -> tags.add(t.asText()));
    return tags;
  }

  private static Set<Digest> entries(byte[] index) throws Exception {
    Set<Digest> digests = new TreeSet<>();
    ImageJson.mapper().readTree(index).path("manifests").forEach(m -> digests.add(Digest.parse(m.path("digest").asText())));
    return digests;
  }
}
