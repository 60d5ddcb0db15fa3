package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.oci.StoreLock;
import org.layerfs.io.testing.TestData;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/**
 * {@code layerfs copy} end to end on the direct runner: OCI layout to OCI layout with skopeo as
 * the oracle both ways, to a docker archive, a blob that fails verification, a locked destination.
 */
class CopyCommandTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void copiesEveryFixtureTagWithIdenticalDigestsAndBytes() throws IOException {
    Path dst = tmp.resolve("mirror");
    Cli.Result r = Cli.run("copy", "oci:" + IMAGES, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(0, r.exit(), r::toString);
    assertEquals(Layouts.tags(IMAGES), Layouts.tags(dst));
    assertEquals(Layouts.reachable(IMAGES), Layouts.reachable(dst));
    for (String digest : Layouts.reachable(IMAGES)) {
      assertArrayEquals(Files.readAllBytes(Layouts.blob(IMAGES, digest)), Files.readAllBytes(Layouts.blob(dst, digest)), digest);
    }
    assertTrue(Files.isRegularFile(dst.resolve("oci-layout")));
    JsonNode report = Layouts.json(tmp.resolve("report.json"));
    assertEquals(5, report.path("images").size());
    for (JsonNode image : report.path("images")) {
      assertEquals("copied", image.path("status").asText(), image.toString());
    }
    // The multi index is copied whole: the index, both platform manifests, their configs and layers.
    JsonNode multi = image(report, "multi");
    assertEquals(3, multi.path("manifests").asInt());
    assertEquals(4, multi.path("blobs").asInt());
    // Every reachable blob but the 7 manifests (4 image manifests, multi's index and its 2 images), each once.
    assertEquals(Layouts.reachable(IMAGES).size() - 7, report.path("blobs").path("copied").asInt());
  }

  @Test
  void skopeoReadsWhatLayerfsWritesWithTheSameDigests() throws Exception {
    Path dst = tmp.resolve("mirror");
    assertEquals(0, Cli.run("copy", "oci:" + IMAGES, "oci:" + dst).exit());
    for (Map.Entry<String, String> tag : Layouts.tags(IMAGES).entrySet()) {
      String raw = run("skopeo", "inspect", "--raw", "oci:" + dst + ":" + tag.getKey());
      assertEquals(tag.getValue(), org.layerfs.io.model.Digest.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString(), tag.getKey());
      Path back = tmp.resolve("back");
      run("skopeo", "copy", "--all", "--preserve-digests", "oci:" + dst + ":" + tag.getKey(), "oci:" + back + ":" + tag.getKey());
      assertEquals(tag.getValue(), Layouts.tags(back).get(tag.getKey()));
    }
  }

  @Test
  void layerfsReadsWhatSkopeoWritesWithTheSameDigests() throws Exception {
    Path bySkopeo = tmp.resolve("skopeo");
    for (String tag : Layouts.tags(IMAGES).keySet()) {
      run("skopeo", "copy", "--all", "--preserve-digests", "oci:" + IMAGES + ":" + tag, "oci:" + bySkopeo + ":" + tag);
    }
    Path dst = tmp.resolve("mirror");
    Cli.Result r = Cli.run("copy", "oci:" + bySkopeo, "oci:" + dst);

    assertEquals(0, r.exit(), r::toString);
    assertEquals(Layouts.tags(IMAGES), Layouts.tags(dst));
    assertEquals(List.of(), Layouts.missingBlobs(dst));
  }

  @Test
  void theSameImageGivesTheSameArchiveByteForByte() throws Exception {
    Path first = tmp.resolve("first.tar");
    Path second = tmp.resolve("second.tar");
    assertEquals(0, Cli.run("copy", "oci:" + IMAGES + ":layered", "docker-archive:" + first + ":layerfs/layered:1").exit());
    Thread.sleep(1100); // tar keeps whole seconds: a copy's time would show
    assertEquals(0, Cli.run("copy", "oci:" + IMAGES + ":layered", "docker-archive:" + second + ":layerfs/layered:1").exit());
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    String listing = run("tar", "--utc", "--numeric-owner", "-tvf", first.toString());
    for (String line : listing.split("\n")) {
      assertTrue(line.startsWith("-r--r--r-- 0/0 "), line);
      assertTrue(line.contains(" 1970-01-01 00:00 "), line);
    }
  }

  @Test
  void writesADockerArchiveThatSkopeoAndLayerfsRead() throws Exception {
    Path archive = tmp.resolve("small.tar");
    Cli.Result r = Cli.run("copy", "oci:" + IMAGES + ":small", "docker-archive:" + archive + ":layerfs/small:1.0");
    assertEquals(0, r.exit(), r::toString);
    assertFalse(Files.exists(tmp.resolve(".small.tar.layerfs-staging")), "staging removed");

    // skopeo decompresses the layers as it reads them; the config (and so the image ID) is the same.
    JsonNode inspect = org.layerfs.io.model.ImageJson.mapper().readTree(
        run("skopeo", "inspect", "--config", "--raw", "docker-archive:" + archive));
    JsonNode sourceConfig = Layouts.json(configOf(IMAGES, Layouts.tags(IMAGES).get("small")));
    assertEquals(sourceConfig, inspect);
    Path viaSkopeo = tmp.resolve("via-skopeo");
    run("skopeo", "copy", "docker-archive:" + archive, "oci:" + viaSkopeo + ":small");
    assertEquals(1, Layouts.tags(viaSkopeo).size());

    // layerfs reads the OCI layout inside: the manifest digest survives the round trip.
    Path back = tmp.resolve("back");
    Cli.Result r2 = Cli.run("copy", "docker-archive:" + archive + ":layerfs/small:1.0", "oci:" + back + ":small");
    assertEquals(0, r2.exit(), r2::toString);
    assertEquals(Layouts.tags(IMAGES).get("small"), Layouts.tags(back).get("small"));
  }

  @Test
  void aDockerArchiveHoldsOneImageNotAnIndex() {
    Cli.Result r = Cli.run("copy", "oci:" + IMAGES + ":multi", "docker-archive:" + tmp.resolve("multi.tar"));
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("not an index; choose one with --platform"), r::toString);
    Cli.Result one = Cli.run("copy", "oci:" + IMAGES + ":multi", "docker-archive:" + tmp.resolve("arm.tar"), "--platform", "linux/arm64");
    assertEquals(0, one.exit(), one::toString);
    assertTrue(Files.isRegularFile(tmp.resolve("arm.tar")));
  }

  @Test
  void aBlobThatFailsVerificationLeavesNothingUnderItsNameAndFailsOnlyItsImage() throws IOException {
    Path src = tmp.resolve("src");
    Layouts.writeImages(src, Map.of("good", List.of(bytes(1000, 1)), "bad", List.of(bytes(2000, 2))));
    String badManifest = Layouts.tags(src).get("bad");
    String badLayer = Layouts.json(Layouts.blob(src, badManifest)).path("layers").get(0).path("digest").asText();
    byte[] corrupt = Files.readAllBytes(Layouts.blob(src, badLayer));
    corrupt[10] ^= 1;
    Files.write(Layouts.blob(src, badLayer), corrupt);
    Path dst = tmp.resolve("dst");

    Cli.Result r = Cli.run("copy", "oci:" + src, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("digest mismatch: expected " + badLayer), r::toString);
    assertTrue(r.err().contains("oci:" + src + ":bad"), r::toString);
    assertFalse(Files.exists(Layouts.blob(dst, badLayer)));
    assertFalse(Files.exists(Layouts.blob(dst, badManifest)));
    assertEquals(Map.of("good", Layouts.tags(src).get("good")), Layouts.tags(dst));
    assertEquals(List.of(), Layouts.misnamedBlobs(dst));
    assertTrue(Layouts.files(dst).stream().noneMatch(f -> f.toString().endsWith(".tmp")));
    JsonNode report = Layouts.json(tmp.resolve("report.json"));
    assertEquals("failed", image(report, "bad").path("status").asText());
    assertEquals("copied", image(report, "good").path("status").asText());
  }

  @Test
  void aLockedDestinationIsRefusedNamingTheLockAndItsHolder() throws IOException {
    Path dst = tmp.resolve("dst");
    try (StoreLock held = StoreLock.layout(dst)) {
      Cli.Result r = Cli.run("copy", "oci:" + IMAGES + ":small", "oci:" + dst);
      assertEquals(1, r.exit(), r::toString);
      assertTrue(r.err().contains("oci:" + dst + " is being written by another layerfs job (pid " + ProcessHandle.current().pid()), r::toString);
      assertTrue(r.err().contains(dst.resolve(".layerfs.lock").toString()), r::toString);
    }
    assertEquals(Map.of(), Layouts.tags(dst));
    assertEquals(0, Cli.run("copy", "oci:" + IMAGES + ":small", "oci:" + dst).exit());
    assertEquals(Layouts.tags(IMAGES).get("small"), Layouts.tags(dst).get("small"));
  }

  @Test
  void badUsageExitsTwo() {
    assertEquals(2, Cli.run("copy", "oci:" + IMAGES).exit());
    assertEquals(2, Cli.run("sync", "oci:" + IMAGES, "docker-archive:" + tmp.resolve("x.tar")).exit());
    assertEquals(2, Cli.run("move", "docker-archive:" + TestData.layeredDockerArchive(), "oci:" + tmp.resolve("x")).exit());
    assertEquals(2, Cli.run("sync", "oci:" + IMAGES, "oci:" + tmp.resolve("x"), "--tags", "(").exit());
    assertEquals(2, Cli.run("copy", "oci:" + IMAGES, "oci:" + tmp.resolve("x") + "@sha256:" + "0".repeat(64)).exit());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  static JsonNode image(JsonNode report, String tag) {
    for (JsonNode i : report.path("images")) {
      if (i.path("image").asText().endsWith(":" + tag)) {
        return i;
      }
    }
    throw new AssertionError("no image " + tag + " in " + report);
  }

  static Path configOf(Path layout, String manifestDigest) {
    return Layouts.blob(layout, Layouts.json(Layouts.blob(layout, manifestDigest)).path("config").path("digest").asText());
  }

  /** Deterministic pseudo-random bytes. */
  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** Runs a tool, fails the test unless it exits 0, returns its stdout. */
  static String run(String... command) throws IOException, InterruptedException {
    Tools.require(command[0]);
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + err);
    return out;
  }
}
