package org.layerfs.pipeline.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.layerfs.pipeline.testing.Layouts;

/** Compares what two runs of one job wrote, byte for byte, file by file. */
final class SameOutputs {
  /** The Flink runner's options for an embedded Flink with two task slots. */
  static final List<String> EMBEDDED_FLINK = List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2");

  private SameOutputs() {}

  /** Relative path → sha256 of every file under {@code dir}. */
  static Map<String, String> digests(Path dir) {
    Map<String, String> out = new TreeMap<>();
    for (Path f : Layouts.files(dir)) {
      out.put(dir.relativize(f).toString(), Layouts.sha256(f));
    }
    return out;
  }

  /**
   * The two catalogs hold the same files with the same bytes: layers.jsonl and images.jsonl (their
   * records sorted), every files/ and merged/ file; both have a run.json.
   */
  static void assertSameCatalog(Path expected, Path actual) {
    Map<String, String> want = digests(expected);
    assertTrue(want.containsKey("layers.jsonl") && want.containsKey("images.jsonl"), () -> "not a catalog: " + want.keySet());
    assertTrue(want.keySet().stream().anyMatch(p -> p.startsWith("files/sha256/")), () -> "no files/ in " + want.keySet());
    assertTrue(want.keySet().stream().anyMatch(p -> p.startsWith("merged/sha256/")), () -> "no merged/ in " + want.keySet());
    Map<String, String> got = digests(actual);
    // run.json records when each run ended: both have one, the rest is compared byte for byte.
    assertTrue(want.remove("run.json") != null && got.remove("run.json") != null, "run.json in both catalogs");
    assertEquals(want, got);
  }

  /** The two OCI layouts hold the same index.json, oci-layout and blobs, byte for byte. */
  static void assertSameLayout(Path expected, Path actual) {
    Map<String, String> want = layout(expected);
    assertTrue(want.containsKey("index.json") && want.keySet().stream().anyMatch(p -> p.startsWith("blobs/sha256/")),
        () -> "not a layout: " + want.keySet());
    assertEquals(want, layout(actual));
  }

  /** The digests of a layout's files but its lock file, which names the process that held it. */
  private static Map<String, String> layout(Path dir) {
    Map<String, String> files = digests(dir);
    files.remove(".layerfs.lock");
    return files;
  }

  /** A summary line without its closing "in N.N s", which no two runs share. */
  static String untimed(String summary) {
    return summary.strip().replaceAll(" in [0-9.]+ s$", "");
  }
}
