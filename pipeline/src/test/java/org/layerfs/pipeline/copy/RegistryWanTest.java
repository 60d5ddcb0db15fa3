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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.registry.RegistryDestination;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.MirrorYaml;
import org.layerfs.pipeline.testing.TappedRegistries;
import org.layerfs.transforms.copy.SparseIndex;

/**
 * What a copy moves over the wide-area link, counted by a relay in front of each real registry:
 * every document and blob fetched from the source once per run, and a blob that several
 * repositories of the destination need pushed once and mounted into the others. And what
 * {@code --platform} with a list copies: an index of those platforms alone, read back by skopeo,
 * naming the index it was made from; a sync of a tag chosen by platform that has not changed
 * reads the index once and nothing else.
 */
class RegistryWanTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();
  /** Three repositories holding the same images: every blob shared. */
  static final List<String> REPOS = List.of("team/a", "team/b", "team/c");
  /** The sample index has linux/amd64 and linux/arm64/v8; riscv64 it lacks. */
  static final String PLATFORMS = "linux/amd64,linux/riscv64";

  @RegisterExtension static final TappedRegistries registries = new TappedRegistries();
  /** The manifests and indexes of the sample images, and their configs and layers. */
  static Set<String> manifests;
  static Set<String> blobs;
  static String multi;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    for (String repo : REPOS) {
      RegistryNoopTest.sync("oci:" + IMAGES, "docker://" + registries.source.host() + "/" + repo);
    }
    multi = Layouts.tags(IMAGES).get("multi");
    manifests = new HashSet<>();
    blobs = new HashSet<>();
    for (String digest : Layouts.reachable(IMAGES)) {
      String start = new String(Files.readAllBytes(Layouts.blob(IMAGES, digest)), java.nio.charset.StandardCharsets.ISO_8859_1);
      (start.startsWith("{\"schemaVersion\"") ? manifests : blobs).add(digest);
    }
  }

  @Test
  void aColdCopyFetchesEachManifestConfigAndLayerOnce() {
    Cli.Result r = Cli.run("copy", "docker://" + registries.sourceTap.host() + "/team/a", "docker://" + registries.destination.host() + "/cold",
        "--tls-verify=false");

    assertEquals(0, r.exit(), r::toString);
    List<String> gets = registries.sourceTap.requests().stream().filter(q -> q.startsWith("GET ")).toList();
    assertEquals(new HashSet<>(gets).size(), gets.size(), gets::toString);
    assertEquals(manifests.size(), registries.sourceTap.kinds().count("GET manifest"), gets::toString);
    assertEquals(blobs, digestsOf(gets.stream().filter(q -> q.contains("/blobs/")).toList(), "/blobs/"), gets::toString);
  }

  @Test
  void aBlobSharedByRepositoriesIsPulledAndPushedOnceAndMountedIntoTheOthers() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", REPOS.stream().map(r -> "  " + r + ": []").collect(Collectors.joining("\n  ")));

    Cli.Result r = MirrorYaml.sync(config, "docker://" + registries.destinationTap.host() + "/mirror");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(5 * REPOS.size() + " images: " + 5 * REPOS.size() + " copied"), r::toString);
    List<String> pulled = registries.sourceTap.requests().stream().filter(q -> q.startsWith("GET ") && q.contains("/blobs/")).toList();
    assertEquals(blobs.size(), pulled.size(), pulled::toString);
    assertEquals(blobs, digestsOf(pulled, "/blobs/"));
    List<String> at = registries.destinationTap.requests();
    List<String> mounts = at.stream().filter(q -> q.startsWith("POST ") && q.contains("mount=")).toList();
    List<String> uploads = at.stream().filter(q -> q.startsWith("POST ") && !q.contains("mount=")).toList();
    assertEquals(blobs.size(), uploads.size(), at::toString);
    assertEquals(blobs.size() * (REPOS.size() - 1), mounts.size(), at::toString);
    assertEquals(blobs.size() * REPOS.size(), at.stream().filter(q -> q.startsWith("HEAD ") && q.contains("/blobs/")).count(),
        at::toString);

    // Every repository has every blob it needs: skopeo pulls each image back whole.
    for (String repo : REPOS) {
      CopyCommandTest.run("skopeo", "copy", "--src-tls-verify=false",
          "docker://" + registries.destination.host() + "/mirror/" + repo + ":layered", "oci:" + tmp.resolve("back") + ":" + repo.replace('/', '-'));
    }
  }

  /** The repositories of one registry share its connections: a client per repository probed TLS for each. */
  @Test
  void aRunProbesEachRegistryForTlsOnceHoweverManyRepositoriesItReads() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", REPOS.stream().map(r -> "  " + r + ": []").collect(Collectors.joining("\n  ")));
    String destination = "docker://" + registries.destinationTap.host() + "/probed";
    Cli.Result cold = MirrorYaml.sync(config, destination);
    assertEquals(0, cold.exit(), cold::toString);
    registries.clear();

    // In step: planning alone, which reads every repository at both ends.
    Cli.Result r = MirrorYaml.sync(config, destination);

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(5 * REPOS.size() + " up to date"), r::toString);
    assertEquals(1, registries.sourceTap.tlsProbes(), registries.sourceTap.requests()::toString);
    assertEquals(1, registries.destinationTap.tlsProbes(), registries.destinationTap.requests()::toString);
  }

  @Test
  void aListOfPlatformsCopiesAnIndexOfThoseAloneAndSaysWhatItWasMadeFrom() throws Exception {
    Path report = tmp.resolve("report.json");
    Cli.Result r = Cli.run("sync", "docker://" + registries.source.host() + "/team/a:multi", "docker://" + registries.destination.host() + "/sparse:multi",
        "--platform", PLATFORMS, "--tls-verify=false", "--report", report.toString());
    assertEquals(0, r.exit(), r::toString);

    String raw = CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + registries.destination.host() + "/sparse:multi");
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
    try (RegistryDestination at = RegistryDestination.open(registries.destination.reference("sparse"), registries.destination.config())) {
      assertFalse(at.hasManifest(Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.parse(arm), 1)));
    }

    // Nothing changed: one HEAD and the index at the source, one HEAD at the destination; the YAML key says the same.
    Cli.Result again = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/team/a:multi", "docker://" + registries.destinationTap.host() + "/sparse:multi",
        "--platform", PLATFORMS, "--tls-verify=false");
    assertTrue(again.out().contains("1 images: 0 copied, 0 moved, 1 up to date, 0 failed"), again::toString);
    assertNoOpOfPlatforms();
    Path config = tmp.resolve("mirror.yaml");
    MirrorYaml.write(config, registries.source.host(), "images:", "  team/a: [multi]", "platforms: [linux/amd64, linux/riscv64]");
    Cli.Result yaml = MirrorYaml.sync(config, "docker://" + registries.destination.host() + "/m");
    assertEquals(0, yaml.exit(), yaml::toString);
    assertEquals(sparse, Digest.sha256(CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false",
        "docker://" + registries.destination.host() + "/m/team/a:multi").getBytes(UTF_8)).toString());
  }

  @Test
  void anUnchangedTagOfOnePlatformCostsAHeadAndTheIndex() {
    Cli.Result first = Cli.run("sync", "docker://" + registries.source.host() + "/team/a:multi", "docker://" + registries.destination.host() + "/arm:multi",
        "--platform", "linux/arm64", "--tls-verify=false");
    assertEquals(0, first.exit(), first::toString);
    registries.sourceTap.clear();

    Cli.Result again = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/team/a:multi", "docker://" + registries.destinationTap.host() + "/arm:multi",
        "--platform", "linux/arm64", "--tls-verify=false");

    assertTrue(again.out().contains("1 images: 0 copied, 0 moved, 1 up to date, 0 failed"), again::toString);
    assertNoOpOfPlatforms();
  }

  /**
   * What a no-op of platform-chosen tags asks: a HEAD and the index at the source, a HEAD at the
   * destination, and the referrer check of the platform manifests kept: the referrers API probed
   * once (this registry has none), then the repository's tag list once, which holds no fallback tag.
   */
  private static void assertNoOpOfPlatforms() {
    assertEquals(ImmutableMultiset.of("HEAD manifest", "GET manifest", "GET tags", "GET referrers"), registries.sourceTap.kinds(),
        registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.of("HEAD manifest"), registries.destinationTap.kinds(), registries.destinationTap.requests()::toString);
  }

  /** The digests that {@code requests} name after {@code marker}. */
  private static Set<String> digestsOf(List<String> requests, String marker) {
    return requests.stream()
        .map(q -> q.substring(q.indexOf(marker) + marker.length()).replaceAll("\\?.*", ""))
        .collect(Collectors.toSet());
  }
}
