package org.layerfs.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Layouts;

/** The report's figures, checked against a catalog of the bundled sample images read record by record. */
class CatalogReaderTest {
  @TempDir static Path tmp;
  private static List<String> refs;
  private static IndexRun index;
  private static MirrorSummary mirror;

  /** The sample images, plus two images built on one base layer: the sample images share none. */
  @BeforeAll
  static void read() throws Exception {
    byte[] base = tar(Map.of("usr/lib/libbig.so", 3000, "etc/os-release", 40));
    Path shared = tmp.resolve("shared");
    Layouts.writeImages(shared, Map.of(
        "app-1", List.of(base, tar(Map.of("app/one", 10))),
        "app-2", List.of(base, tar(Map.of("app/two", 20)))));
    refs = List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), "oci:" + shared);
    index = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"), refs);
    assertEquals(0, index.result.exit(), index.result::toString);
    mirror = CatalogReader.read(index.out);
  }

  private static byte[] tar(Map<String, Integer> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      for (Map.Entry<String, Integer> f : new TreeMap<>(files).entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(f.getValue());
        out.putArchiveEntry(e);
        out.write(new byte[f.getValue()]);
        out.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void countsTheImagesAndDistinctLayers() {
    assertEquals(index.images().size(), mirror.images().size());
    assertEquals(index.layers().size(), mirror.layers().size());
    assertTrue(mirror.images().size() >= 8, "the sample layout, the archive, multi's platforms and the two apps");
  }

  @Test
  void storedBytesCountEachLayerOnceAndUnsharedBytesEachImagesLayers() {
    long stored = index.layers().stream().mapToLong(l -> l.get("size").asLong()).sum();
    Map<String, JsonNode> layers = index.layersByDigest();
    long unshared = 0;
    for (JsonNode image : index.images()) {
      for (String digest : new HashSet<>(IndexRun.layerDigests(image))) {
        unshared += layers.get(digest).get("size").asLong();
      }
    }
    assertEquals(stored, mirror.storedBytes());
    assertEquals(unshared, mirror.unsharedBytes());
    assertEquals(stored + index.layersByDigest().get(IndexRun.layerDigests(index.image("oci:" + tmp.resolve("shared") + ":app-1")).get(0)).get("size").asLong(), unshared, "app-1 and app-2 share their base layer");
  }

  @Test
  void sharedLayersAreTheOnesSeveralImagesUse() {
    Map<String, Set<String>> users = new HashMap<>();
    for (JsonNode image : index.images()) {
      IndexRun.layerDigests(image).forEach(d -> users.computeIfAbsent(d, k -> new HashSet<>()).add(image.get("digest").asText() + image.get("ref").asText()));
    }
    List<Map.Entry<String, Integer>> shared = mirror.mostSharedLayers(10);
    assertFalse(shared.isEmpty());
    for (Map.Entry<String, Integer> e : shared) {
      assertEquals(users.get(e.getKey()).size(), e.getValue(), e.getKey());
    }
    long expected = users.values().stream().filter(u -> u.size() > 1).count();
    assertEquals(Math.min(10, expected), shared.size());
  }

  @Test
  void everyImageKeepsItsCatalogFiguresAndItsLargestFiles() {
    for (ImageRow row : mirror.images()) {
      JsonNode image = index.images().stream()
          .filter(n -> n.get("ref").asText().equals(row.ref()) && n.get("digest").asText().equals(row.digest()))
          .findFirst().orElseThrow();
      assertEquals(IndexRun.layerDigests(image), row.layers());
      assertEquals(image.get("wastedBytes").asLong(), row.wastedBytes());
      assertEquals(image.get("efficiency").asDouble(), row.efficiency());
      List<FileSize> files = new ArrayList<>();
      for (JsonNode n : index.merged(row.digest())) {
        if (n.get("type").asText().equals("file")) {
          files.add(new FileSize(n.get("path").asText(), n.get("size").asLong()));
        }
      }
      files.sort(Comparator.comparingLong(FileSize::bytes).reversed().thenComparing(FileSize::path));
      assertEquals(files.subList(0, Math.min(CatalogReader.LARGEST_FILES, files.size())), row.largestFiles(), row.ref());
    }
  }

  @Test
  void directoryTotalsSumTheMergedViewsOfEveryImage() {
    long etc = 0;
    for (JsonNode image : index.images()) {
      for (JsonNode n : index.merged(image.get("digest").asText())) {
        if (n.get("type").asText().equals("file") && n.get("path").asText().startsWith("etc/")) {
          etc += n.get("size").asLong();
        }
      }
    }
    assertTrue(etc > 0);
    assertTrue(mirror.biggestDirectories().contains(new FileSize("etc", etc)), mirror.biggestDirectories().toString());
    List<FileSize> dirs = mirror.biggestDirectories();
    for (int i = 1; i < dirs.size(); i++) {
      assertTrue(dirs.get(i - 1).bytes() >= dirs.get(i).bytes(), dirs.toString());
      assertTrue(dirs.get(i).path().split("/").length <= DirectoryTotals.DEPTH, dirs.get(i).path());
    }
  }

  @Test
  void theRunItWasMadeFrom() {
    RunInfo run = mirror.run().orElseThrow();
    assertEquals(refs, run.references());
    assertTrue(run.date().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), run.date());
    assertFalse(run.version().isEmpty() || run.version().contains("${"), run.version());
  }
}
