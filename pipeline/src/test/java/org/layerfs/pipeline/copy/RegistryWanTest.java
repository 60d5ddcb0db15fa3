package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.TappedRegistries;

/**
 * What a copy moves over the wide-area link, counted by a relay in front of each real registry:
 * every document and blob fetched from the source once per run, and a blob that several
 * repositories of the destination need pushed once and mounted into the others.
 */
class RegistryWanTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();
  /** Three repositories holding the same images: every blob shared. */
  static final List<String> REPOS = List.of("team/a", "team/b", "team/c");

  @TempDir static Path dir;
  static TappedRegistries registries;
  static RegistryServer source;
  static RegistryServer destination;
  static RequestTap sourceTap;
  static RequestTap destinationTap;
  /** The manifests and indexes of the sample images, and their configs and layers. */
  static Set<String> manifests;
  static Set<String> blobs;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registries = TappedRegistries.start(dir);
    source = registries.source;
    destination = registries.destination;
    sourceTap = registries.sourceTap;
    destinationTap = registries.destinationTap;
    for (String repo : REPOS) {
      RegistryNoopTest.sync("oci:" + IMAGES, "docker://" + source.host() + "/" + repo);
    }
    manifests = new HashSet<>();
    blobs = new HashSet<>();
    for (String digest : Layouts.reachable(IMAGES)) {
      String start = new String(Files.readAllBytes(Layouts.blob(IMAGES, digest)), java.nio.charset.StandardCharsets.ISO_8859_1);
      (start.startsWith("{\"schemaVersion\"") ? manifests : blobs).add(digest);
    }
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
  void aColdCopyFetchesEachManifestConfigAndLayerOnce() {
    Cli.Result r = Cli.run("copy", "docker://" + sourceTap.host() + "/team/a", "docker://" + destination.host() + "/cold",
        "--tls-verify=false");

    assertEquals(0, r.exit(), r::toString);
    List<String> gets = sourceTap.requests().stream().filter(q -> q.startsWith("GET ")).toList();
    assertEquals(new HashSet<>(gets).size(), gets.size(), gets::toString);
    assertEquals(manifests.size(), sourceTap.kinds().count("GET manifest"), gets::toString);
    assertEquals(blobs, digestsOf(gets.stream().filter(q -> q.contains("/blobs/")).toList(), "/blobs/"), gets::toString);
  }

  @Test
  void aBlobSharedByRepositoriesIsPulledAndPushedOnceAndMountedIntoTheOthers() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    Files.writeString(config, String.join("\n",
        sourceTap.host() + ":",
        "  images:",
        REPOS.stream().map(r -> "    " + r + ": []").collect(Collectors.joining("\n")),
        "  tls-verify: false",
        ""));

    Cli.Result r = Cli.run("sync", "--config", config.toString(), "docker://" + destinationTap.host() + "/mirror", "--tls-verify=false");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(5 * REPOS.size() + " images: " + 5 * REPOS.size() + " copied"), r::toString);
    List<String> pulled = sourceTap.requests().stream().filter(q -> q.startsWith("GET ") && q.contains("/blobs/")).toList();
    assertEquals(blobs.size(), pulled.size(), pulled::toString);
    assertEquals(blobs, digestsOf(pulled, "/blobs/"));
    List<String> at = destinationTap.requests();
    List<String> mounts = at.stream().filter(q -> q.startsWith("POST ") && q.contains("mount=")).toList();
    List<String> uploads = at.stream().filter(q -> q.startsWith("POST ") && !q.contains("mount=")).toList();
    assertEquals(blobs.size(), uploads.size(), at::toString);
    assertEquals(blobs.size() * (REPOS.size() - 1), mounts.size(), at::toString);
    assertEquals(blobs.size() * REPOS.size(), at.stream().filter(q -> q.startsWith("HEAD ") && q.contains("/blobs/")).count(),
        at::toString);

    // Every repository has every blob it needs: skopeo pulls each image back whole.
    for (String repo : REPOS) {
      CopyCommandTest.run("skopeo", "copy", "--src-tls-verify=false",
          "docker://" + destination.host() + "/mirror/" + repo + ":layered", "oci:" + tmp.resolve("back") + ":" + repo.replace('/', '-'));
    }
  }

  /** The digests that {@code requests} name after {@code marker}. */
  private static Set<String> digestsOf(List<String> requests, String marker) {
    return requests.stream()
        .map(q -> q.substring(q.indexOf(marker) + marker.length()).replaceAll("\\?.*", ""))
        .collect(Collectors.toSet());
  }
}
