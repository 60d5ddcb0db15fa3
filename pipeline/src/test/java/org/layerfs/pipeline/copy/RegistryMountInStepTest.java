package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.MirrorYaml;
import org.layerfs.pipeline.testing.TappedRegistries;

/**
 * A blob the destination registry holds from an earlier run, in a repository this run finds in
 * step, is mounted from there rather than pulled from the source again: a repository added to a
 * synced mirror, a new tag on a base an unchanged repository has. Only large blobs are looked for,
 * in two such repositories at most; a cold mirror asks none. A no-op asks nothing either: it copies
 * no blob ({@link RegistryNoopTest}).
 */
class RegistryMountInStepTest {
  /** Above the size worth looking for (1 MiB). */
  static final byte[] BASE = CopyCommandTest.bytes(2 << 20, 1);
  static final byte[] MIDDLE = CopyCommandTest.bytes(3 << 19, 2);
  /** Below it: copied as before. */
  static final byte[] SMALL = CopyCommandTest.bytes(1000, 3);
  /** A large layer no repository has yet. */
  static final byte[] NEW = CopyCommandTest.bytes(5 << 18, 4);
  static final String BASE_DIGEST = Digest.sha256(BASE).toString();
  static final String MIDDLE_DIGEST = Digest.sha256(MIDDLE).toString();
  static final String SMALL_DIGEST = Digest.sha256(SMALL).toString();
  static final String NEW_DIGEST = Digest.sha256(NEW).toString();

  @TempDir static Path dir;
  @RegisterExtension static final TappedRegistries registries = new TappedRegistries();

  @TempDir Path tmp;

  /** The same two images in source repositories team/a to team/d; team/d has a third, {@code new}. */
  @BeforeAll
  static void start() throws Exception {
    Path layout = dir.resolve("layout");
    Layouts.writeImages(layout, Map.of("base", List.of(BASE), "app", List.of(BASE, MIDDLE, SMALL)));
    for (String repo : List.of("team/a", "team/b", "team/c")) {
      RegistryNoopTest.sync("oci:" + layout, "docker://" + registries.source.host() + "/" + repo);
    }
    Layouts.writeImages(layout, Map.of("new", List.of(BASE, NEW)));
    RegistryNoopTest.sync("oci:" + layout, "docker://" + registries.source.host() + "/team/d");
  }

  @Test
  void aRepositoryAddedToASyncedMirrorMountsTheLargeBlobsFromOneInStep() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    String destination = "docker://" + registries.destinationTap.host() + "/added";
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  team/a: []");
    Cli.Result first = MirrorYaml.sync(config, destination);
    assertEquals(0, first.exit(), first::toString);
    registries.clear();

    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  team/a: []", "  team/b: []");
    Path report = tmp.resolve("report.json");
    Cli.Result r = MirrorYaml.sync(config, destination, "--report", report.toString());

    assertEquals(0, r.exit(), r::toString);
    // team/b's two configs (read by planning, pushed from memory) and its small layer are copied; the two large layers were there.
    assertTrue(r.out().contains("4 images: 2 copied, 0 moved, 2 up to date, 0 failed; blobs: 3 copied, 2 already there"), r::toString);
    assertEquals(2, Layouts.json(report).path("blobs").path("alreadyThere").asInt());
    List<String> pulled = registries.sourceTap.requests().stream().filter(q -> q.startsWith("GET ") && q.contains("/blobs/")).toList();
    assertTrue(pulled.stream().noneMatch(q -> q.contains(BASE_DIGEST) || q.contains(MIDDLE_DIGEST)), pulled::toString);
    assertEquals(1, pulled.stream().filter(q -> q.contains(SMALL_DIGEST)).count(), pulled::toString);
    List<String> at = registries.destinationTap.requests();
    for (String large : List.of(BASE_DIGEST, MIDDLE_DIGEST)) {
      assertEquals(List.of("HEAD /v2/added/team/b/blobs/" + large, "HEAD /v2/added/team/a/blobs/" + large,
          "POST /v2/added/team/b/blobs/uploads/?mount=" + large + "&from=added/team/a"),
          at.stream().filter(q -> q.contains(large)).toList(), at::toString);
    }

    // team/b's images are whole there: skopeo pulls one back byte for byte (a dir: keeps each blob as it is), checking every digest.
    Path back = tmp.resolve("back");
    CopyCommandTest.run("skopeo", "copy", "--src-tls-verify=false",
        "docker://" + registries.destination.host() + "/added/team/b:app", "dir:" + back);
    assertArrayEquals(MIDDLE, Files.readAllBytes(back.resolve(Digest.parse(MIDDLE_DIGEST).hex())));
  }

  @Test
  void aNewLargeBlobIsAskedOfTwoRepositoriesInStepAtMostAndAColdMirrorAsksNone() throws Exception {
    Path config = tmp.resolve("mirror.yaml");
    String destination = "docker://" + registries.destinationTap.host() + "/grown";
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  team/a: []", "  team/b: []", "  team/c: []", "  team/d: [base, app]");
    Cli.Result cold = MirrorYaml.sync(config, destination);
    assertEquals(0, cold.exit(), cold::toString);
    // Nothing in step: each repository is asked about each of its five blobs, and no other.
    assertEquals(4 * 5, registries.destinationTap.kinds().count("HEAD blob"), registries.destinationTap.requests()::toString);
    registries.clear();

    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  team/a: []", "  team/b: []", "  team/c: []", "  team/d: [base, app, new]");
    // Through the pipeline (a Beam option given): its copies know the repositories in step too.
    Cli.Result r = MirrorYaml.sync(config, destination, "--targetParallelism=2");

    assertEquals(0, r.exit(), r::toString);
    // The base is in team/d already; the new layer and the config are copied.
    assertTrue(r.out().contains("9 images: 1 copied, 0 moved, 8 up to date, 0 failed; blobs: 2 copied, 1 already there"), r::toString);
    List<String> at = registries.destinationTap.requests();
    assertEquals(List.of("HEAD /v2/grown/team/d/blobs/" + NEW_DIGEST, "HEAD /v2/grown/team/a/blobs/" + NEW_DIGEST,
        "HEAD /v2/grown/team/b/blobs/" + NEW_DIGEST),
        at.stream().filter(q -> q.startsWith("HEAD ") && q.contains(NEW_DIGEST)).toList(), at::toString);
    assertEquals(1, registries.sourceTap.requests().stream().filter(q -> q.startsWith("GET ") && q.contains(NEW_DIGEST)).count(),
        registries.sourceTap.requests()::toString);
    assertTrue(at.stream().noneMatch(q -> q.contains("mount=")), at::toString);
  }
}
