package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/**
 * A sync killed with SIGKILL mid-transfer (in a JVM of its own) leaves no unverified blob under a
 * final name and no tag naming a missing blob; running it again completes the mirror without
 * rewriting the blobs the killed run had finished.
 */
class SyncKillTest {
  static final int IMAGES = 4;
  static final int LAYERS = 6;
  static final int LAYER_BYTES = 2 << 20;

  @TempDir Path tmp;

  @Test
  void aKilledSyncIsFinishedByTheNextRunWithoutCopyingTwice() throws Exception {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    Map<String, List<byte[]>> images = new LinkedHashMap<>();
    for (int i = 0; i < IMAGES; i++) {
      List<byte[]> layers = new ArrayList<>();
      for (int l = 0; l < LAYERS; l++) {
        layers.add(CopyCommandTest.bytes(LAYER_BYTES, i * 100L + l));
      }
      images.put("image-" + i, layers);
    }
    Layouts.writeImages(src, images);
    int blobs = IMAGES * (LAYERS + 1);

    Process sync = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            "org.layerfs.pipeline.Main", "sync", "oci:" + src, "oci:" + dst)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("killed.log").toFile())
        .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (sync.isAlive() && !hasFinalBlob(dst) && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
    } finally {
      sync.destroyForcibly();
      assertTrue(sync.waitFor(30, TimeUnit.SECONDS));
    }
    assertNotEquals(0, sync.exitValue(), () -> "the sync finished before it was killed: " + log());

    Map<String, String> survivors = finalBlobs(dst);
    assertTrue(!survivors.isEmpty() && survivors.size() < blobs, "killed mid-transfer: " + survivors.size() + " of " + blobs);
    assertEquals(List.of(), Layouts.misnamedBlobs(dst));
    if (Files.exists(dst.resolve("index.json"))) {
      assertEquals(List.of(), Layouts.missingBlobs(dst));
    }

    Cli.Result again = Cli.run("sync", "oci:" + src, "oci:" + dst, "--report", tmp.resolve("report.json").toString());

    assertEquals(0, again.exit(), again::toString);
    assertEquals(Layouts.tags(src), Layouts.tags(dst));
    assertEquals(List.of(), Layouts.missingBlobs(dst));
    assertEquals(List.of(), Layouts.misnamedBlobs(dst));
    assertTrue(Layouts.files(dst).stream().noneMatch(f -> f.toString().endsWith(".tmp")), "temporary files cleared");
    Map<String, String> after = finalBlobs(dst);
    survivors.forEach((name, stat) -> assertEquals(stat, after.get(name), "rewritten: " + name));
    JsonNode report = Layouts.json(tmp.resolve("report.json"));
    int survivingBlobs = (int) survivors.keySet().stream().filter(n -> !isManifest(src, n)).count();
    assertEquals(survivingBlobs, report.path("blobs").path("alreadyThere").asInt());
    assertEquals(blobs - survivingBlobs, report.path("blobs").path("copied").asInt());
  }

  /** True once some blob has its final name; only names are read, as files come and go. */
  private static boolean hasFinalBlob(Path dst) throws java.io.IOException {
    Path dir = dst.resolve("blobs/sha256");
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var names = Files.list(dir)) {
      return names.anyMatch(f -> !f.getFileName().toString().startsWith("."));
    }
  }

  /** Blob name → size, mtime and inode of the blobs under their final names. */
  private static Map<String, String> finalBlobs(Path dst) {
    Map<String, String> out = new TreeMap<>();
    Layouts.listing(dst.resolve("blobs")).forEach((name, stat) -> {
      if (!name.endsWith(".tmp")) {
        out.put(name, stat);
      }
    });
    return out;
  }

  private static boolean isManifest(Path src, String blobName) {
    return Layouts.tags(src).containsValue("sha256:" + Path.of(blobName).getFileName());
  }

  private String log() {
    try {
      return Files.readString(tmp.resolve("killed.log"));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
