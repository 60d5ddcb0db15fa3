package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.testing.ChildJvmClasses;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.Main;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.transforms.copy.CopyRequest;

/** {@code layerfs sync}: only what changed is copied, moved tags, --prune, --dry-run, --tags, --config. */
class SyncCommandTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void aSecondSyncCopiesNothingAndWritesNothing() {
    Path dst = tmp.resolve("mirror");
    assertEquals(0, Cli.run("sync", "oci:" + IMAGES, "oci:" + dst).exit());
    Map<String, String> before = listingWithoutLock(dst);

    Cli.Result r = Cli.run("sync", "oci:" + IMAGES, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(0, r.exit(), r::toString);
    assertEquals(before, listingWithoutLock(dst));
    JsonNode report = Layouts.json(tmp.resolve("report.json"));
    assertEquals(0, report.path("blobs").path("copied").asInt());
    assertEquals(0, report.path("bytes").asLong());
    assertEquals(5, report.path("images").size());
    for (JsonNode image : report.path("images")) {
      assertEquals("skipped", image.path("status").asText(), image.toString());
      assertTrue(image.path("reason").asText().startsWith("up to date"), image.toString());
    }
    assertTrue(r.out().contains("5 images: 0 copied, 0 moved, 5 up to date, 0 failed"), r::toString);
  }

  @Test
  void aSyncWithNothingToDoComparesTheIndexesAndReadsNoManifest() throws IOException {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    syncTwoImages(src, dst);
    // What index.json names is all a sync in step looks at: its manifests may be gone.
    for (String manifest : Layouts.tags(src).values()) {
      Files.delete(Layouts.blob(src, manifest));
    }

    Cli.Result r = Cli.run("sync", "oci:" + src, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("2 images: 0 copied, 0 moved, 2 up to date, 0 failed"), r::toString);
    JsonNode app = CopyCommandTest.image(Layouts.json(tmp.resolve("report.json")), "app");
    assertEquals(Layouts.tags(src).get("app"), app.path("digest").asText());
    assertEquals("oci:" + dst + ":app", app.path("destination").asText());
    // One tag that moved makes the request planned whole, and the missing manifest is then found.
    Layouts.writeImages(src, Map.of("app", List.of(CopyCommandTest.bytes(100, 3))));
    Cli.Result moved = Cli.run("sync", "oci:" + src, "oci:" + dst);
    assertEquals(1, moved.exit(), moved::toString);
    assertTrue(moved.err().contains("is missing from oci:" + src), moved::toString);
  }

  /** Writes two small images, app and other, into a layout at {@code src} and syncs them to {@code dst}. */
  private static void syncTwoImages(Path src, Path dst) {
    Layouts.writeImages(src, Map.of("app", List.of(CopyCommandTest.bytes(100, 1)), "other", List.of(CopyCommandTest.bytes(100, 2))));
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
  }

  /**
   * A sync in step hashes nothing (its images' manifests, no index among them, are not read),
   * and does not ready Java's digests for it. Checked in a child JVM, which loads only what the
   * run needs.
   */
  @Test
  void aSyncWithNothingToDoLoadsNoMessageDigest() throws Exception {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    syncTwoImages(src, dst);

    assertEquals(List.of(), ChildJvmClasses.loadedOf(
        Main.class, List.of("sync", "oci:" + src, "oci:" + dst), List.of("java.security.MessageDigest")));
  }

  @Test
  void aTagThatMovedAtTheSourceIsSyncedAgain() {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    byte[] base = CopyCommandTest.bytes(5000, 1);
    Layouts.writeImages(src, Map.of("app", List.of(base, CopyCommandTest.bytes(100, 2)), "other", List.of(base)));
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
    Layouts.writeImages(src, Map.of("app", List.of(base, CopyCommandTest.bytes(100, 3))));

    Cli.Result r = Cli.run("sync", "oci:" + src, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(0, r.exit(), r::toString);
    assertEquals(Layouts.tags(src), Layouts.tags(dst));
    JsonNode report = Layouts.json(tmp.resolve("report.json"));
    assertEquals("copied", CopyCommandTest.image(report, "app").path("status").asText());
    assertEquals("skipped", CopyCommandTest.image(report, "other").path("status").asText());
    // The new layer and the new config; the shared base layer was there already.
    assertEquals(2, report.path("blobs").path("copied").asInt());
    assertEquals(1, report.path("blobs").path("alreadyThere").asInt());
    assertEquals(List.of(), Layouts.missingBlobs(dst));
  }

  @Test
  void pruneRemovesTagsTheSourceNoLongerHasAndTheirBlobs() throws IOException {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    Layouts.writeImages(src, Map.of("keep", List.of(CopyCommandTest.bytes(100, 1)), "drop", List.of(CopyCommandTest.bytes(100, 2))));
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
    String dropped = Layouts.tags(dst).get("drop");
    Path fresh = tmp.resolve("fresh");
    Layouts.writeImages(fresh, Map.of("keep", List.of(CopyCommandTest.bytes(100, 1))));

    Cli.Result noPrune = Cli.run("sync", "oci:" + fresh, "oci:" + dst);
    assertEquals(Set.of("keep", "drop"), Layouts.tags(dst).keySet(), noPrune::toString);
    Cli.Result r = Cli.run("sync", "oci:" + fresh, "oci:" + dst, "--prune", "--report", tmp.resolve("report.json").toString());

    assertEquals(0, r.exit(), r::toString);
    assertEquals(Layouts.tags(fresh), Layouts.tags(dst));
    assertFalse(Files.exists(Layouts.blob(dst, dropped)), "the pruned manifest is garbage-collected");
    assertEquals(Layouts.reachable(dst).size(), Layouts.files(dst.resolve("blobs")).size());
    assertEquals("oci:" + dst + ":drop", Layouts.json(tmp.resolve("report.json")).path("pruned").get(0).asText());
    assertTrue(r.out().contains("pruned: oci:" + dst + ":drop"), r::toString);
  }

  @Test
  void dryRunPrintsWhatWouldChangeAndChangesNothing() {
    Path dst = tmp.resolve("dst");
    Cli.Result fresh = Cli.run("sync", "oci:" + IMAGES, "oci:" + dst, "--dry-run");
    assertEquals(0, fresh.exit(), fresh::toString);
    assertFalse(Files.exists(dst), "a dry run creates nothing");
    assertTrue(fresh.out().contains("would sync: oci:" + IMAGES + ":small -> oci:" + dst + ":small ("
        + Layouts.tags(IMAGES).get("small") + ", 3 of 3 blobs missing"), fresh::toString);

    Path src = tmp.resolve("src");
    Layouts.writeImages(src, Map.of("a", List.of(CopyCommandTest.bytes(10, 1)), "b", List.of(CopyCommandTest.bytes(10, 2))));
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
    Layouts.writeImages(src, Map.of("a", List.of(CopyCommandTest.bytes(10, 3))));
    Path onlyA = tmp.resolve("only-a");
    Layouts.writeImages(onlyA, Map.of("a", List.of(CopyCommandTest.bytes(10, 3))));
    Map<String, String> before = Layouts.listing(dst);

    Cli.Result r = Cli.run("sync", "oci:" + onlyA, "oci:" + dst, "--dry-run", "--prune");

    assertEquals(0, r.exit(), r::toString);
    assertEquals(before, Layouts.listing(dst));
    assertTrue(r.out().contains("would sync: oci:" + onlyA + ":a -> oci:" + dst + ":a"), r::toString);
    assertTrue(r.out().contains("would remove: oci:" + dst + ":b"), r::toString);
    assertTrue(r.out().contains("dry run: nothing was changed"), r::toString);
  }

  @Test
  void dryRunOfPruneAndMoveInALayoutSaysWhatTheRunDoes() {
    byte[] shared = CopyCommandTest.bytes(10, 4);
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    Layouts.writeImages(src, Map.of("keep", List.of(shared), "gone", List.of(shared)));
    assertEquals(0, Cli.run("sync", "oci:" + src, "oci:" + dst).exit());
    Path fresh = tmp.resolve("fresh");
    Layouts.writeImages(fresh, Map.of("keep", List.of(shared)));

    Cli.Result dry = Cli.run("sync", "oci:" + fresh, "oci:" + dst, "--prune", "--dry-run");
    Cli.Result real = Cli.run("sync", "oci:" + fresh, "oci:" + dst, "--prune");

    assertEquals(0, dry.exit(), dry::toString);
    assertEquals(0, real.exit(), real::toString);
    // A layout's tags are its own: one goes alone, whatever manifest it shares.
    assertEquals(Set.of("remove oci:" + dst + ":gone"), DryRunLines.decisions(dry.out()), dry::toString);
    assertEquals(DryRunLines.decisions(real.out()), DryRunLines.decisions(dry.out()));

    Path moved = tmp.resolve("moved");
    Cli.Result dryMove = Cli.run("move", "oci:" + src + ":gone", "oci:" + moved, "--dry-run");
    assertEquals(0, dryMove.exit(), dryMove::toString);
    assertTrue(dryMove.out().contains("would move: oci:" + src + ":gone -> oci:" + moved + ":gone"), dryMove::toString);
    assertEquals(Set.of(), DryRunLines.decisions(dryMove.out()), dryMove::toString);
    Cli.Result move = Cli.run("move", "oci:" + src + ":gone", "oci:" + moved);
    assertTrue(move.out().contains("0 copied, 1 moved"), move::toString);
  }

  @Test
  void tagsSelectsSourceTagsByRegex() {
    Path dst = tmp.resolve("dst");
    Cli.Result r = Cli.run("sync", "oci:" + IMAGES, "oci:" + dst, "--tags", "^layered");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(Set.of("layered", "layered-zstd"), Layouts.tags(dst).keySet());
  }

  @Test
  void platformCopiesOneImageOfAnIndex() {
    Path dst = tmp.resolve("dst");
    Cli.Result r = Cli.run("sync", "oci:" + IMAGES + ":multi", "oci:" + dst, "--platform", "linux/arm64");
    assertEquals(0, r.exit(), r::toString);
    String manifest = Layouts.tags(dst).get("multi");
    assertEquals("application/vnd.oci.image.manifest.v1+json", Layouts.json(Layouts.blob(dst, manifest)).path("mediaType").asText());
    assertTrue(Layouts.json(Layouts.blob(IMAGES, Layouts.tags(IMAGES).get("multi"))).toString().contains(manifest));
  }

  @Test
  void syncsTheImagesAMirrorConfigNames() throws IOException {
    Path config = tmp.resolve("mirror.yaml");
    Files.writeString(config, String.join("\n",
        "oci:" + IMAGES + ":",
        "  images:",
        "    small: []",
        "  images-by-tag-regex:",
        "    any: ^multi$",
        ""));
    Path dst = tmp.resolve("dst");
    Cli.Result r = Cli.run("sync", "--config", config.toString(), "oci:" + dst);
    assertEquals(0, r.exit(), r::toString);
    assertEquals(Set.of("small", "multi"), Layouts.tags(dst).keySet());
  }

  @Test
  void readsSkopeoSyncYaml() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    Files.writeString(config, String.join("\n",
        "registry.example.com:",
        "  images:",
        "    busybox: []",
        "    library/redis: [\"7.2\", \"7.4\"]",
        "  images-by-tag-regex:",
        "    nginx: ^1\\.2[0-9]-alpine$",
        "  tls-verify: false",
        ""));
    List<CopyRequest> requests = MirrorConfig.read(config, ImageReference.parse("oci:/m"), List.of(), RegistryConfig.defaults(), Optional.empty(), 4);

    assertEquals(List.of(
            "docker://registry.example.com/busybox -> busybox:TAG",
            "docker://registry.example.com/library/redis:7.2 -> library/redis:7.2",
            "docker://registry.example.com/library/redis:7.4 -> library/redis:7.4",
            "docker://registry.example.com/nginx -> nginx:TAG ^1\\.2[0-9]-alpine$"),
        requests.stream()
            .map(q -> q.source() + " -> " + q.destinationName(q.source().tag().orElse("TAG")) + q.tagPattern().map(p -> " " + p).orElse(""))
            .toList());
    assertTrue(requests.stream().allMatch(q -> q.onlyChanged() && !q.sourceRegistry().tlsVerify() && q.destinationRegistry().tlsVerify()));
    List<CopyRequest> toRegistry =
        MirrorConfig.read(config, ImageReference.parse("docker://mirror.local:5000/m"), List.of(), RegistryConfig.defaults(), Optional.empty(), 4);
    assertEquals("docker://mirror.local:5000/m/library/redis:7.2",
        toRegistry.get(1).destination().withTag(toRegistry.get(1).destinationName("7.2")).toString());

    Files.writeString(config, "registry.example.com:\n  images-by-semver:\n    busybox: \">= 1.0\"\n");
    Cli.Result r = Cli.run("sync", "--config", config.toString(), "oci:" + tmp.resolve("m"));
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("unknown key \"images-by-semver\""), r::toString);
    Files.writeString(config, "registry.example.com:\n  credentials:\n    username: john\n    password: secret\n");
    Cli.Result secret = Cli.run("sync", "--config", config.toString(), "oci:" + tmp.resolve("m"));
    assertEquals(2, secret.exit(), secret::toString);
    assertFalse(secret.err().contains("secret"), secret::toString);
  }

  private static Map<String, String> listingWithoutLock(Path dir) {
    Map<String, String> l = Layouts.listing(dir);
    l.remove(".layerfs.lock");
    return l;
  }
}
