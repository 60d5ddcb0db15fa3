package org.layerfs.pipeline.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.testing.RawTree;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Layouts;

/**
 * The launcher jar submits {@code index}, {@code sync}, {@code unpack} and {@code diff} to a
 * Flink session cluster of separate processes (a JobManager and two one-slot TaskManagers started
 * from Flink's own jars), and each writes byte for byte what the direct runner writes: the code the
 * job stages is all the cluster needs.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FlinkSessionClusterIT {
  @TempDir static Path tmp;
  static FlinkSessionCluster cluster;
  /** An image whose names are not UTF-8 (Latin-1 bytes), and its base: {@code :names}, {@code :base}. */
  static Path names;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = FlinkSessionCluster.start(Files.createDirectory(tmp.resolve("cluster")), 2);
    names = namesLayout(Files.createDirectory(tmp.resolve("names")));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The Flink runner's options for this cluster, both slots. */
  static List<String> onCluster() {
    return List.of("--runner=FlinkRunner", "--flinkMaster=" + cluster.master(), "--parallelism=2");
  }

  static Cli.Result layerfs(String... argv) {
    List<String> all = new ArrayList<>(List.of(argv));
    all.addAll(onCluster());
    return LauncherJar.run(tmp, all);
  }

  @Test
  void indexWritesTheDirectRunnersCatalog() throws Exception {
    Path out = tmp.resolve("index");
    Cli.Result r = layerfs("index", Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive(),
        "--out", out.toString(), "--cache-dir", tmp.resolve("index-cache").toString());

    assertEquals(0, r.exit(), () -> r + cluster.tail("taskmanager-0.log"));
    SameOutputs.assertSameCatalog(Fixtures.shared().out, out);
    Map<String, String> jobs = cluster.jobs();
    assertTrue(jobs.containsValue("FINISHED"), () -> "jobs: " + jobs);
  }

  @Test
  void syncMirrorsWhatTheDirectRunnerMirrors() {
    Path directMirror = tmp.resolve("sync-direct");
    Path flinkMirror = tmp.resolve("sync-flink");
    Cli.Result direct = Cli.run("sync", Fixtures.images(), "oci:" + directMirror);
    Cli.Result flink = layerfs("sync", Fixtures.images(), "oci:" + flinkMirror, "--tempLocation=" + tmp.resolve("sync-temp"));

    assertEquals(0, direct.exit(), direct::toString);
    assertEquals(0, flink.exit(), flink::toString);
    assertEquals(SameOutputs.untimed(direct.out()), SameOutputs.untimed(flink.out()));
    SameOutputs.assertSameLayout(directMirror, flinkMirror);
  }

  /** Needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} on the TaskManagers (their config.yaml has it). */
  @Test
  void unpackOfNonAsciiNamesMakesTheDirectRunnersTree() throws Exception {
    Path direct = tmp.resolve("unpack-direct");
    Path flink = tmp.resolve("unpack-flink");
    Cli.Result d = Cli.run("unpack", "oci:" + names + ":names", direct.toString(), "--cache-dir", tmp.resolve("unpack-cache-d").toString());
    Cli.Result f = layerfs("unpack", "oci:" + names + ":names", flink.toString(), "--cache-dir", tmp.resolve("unpack-cache-f").toString());

    assertEquals(0, d.exit(), d::toString);
    assertEquals(0, f.exit(), f::toString);
    Map<String, String> tree = RawTree.list(direct);
    assertTrue(tree.containsKey(RawTree.hex(new byte[] {'x', '-', 'c', 'a', 'f', (byte) 0xe9})), tree::toString);
    assertEquals(tree, RawTree.list(flink));
  }

  @Test
  void diffPrintsWhatTheDirectRunnerPrints() {
    List<String> args = List.of("diff", "oci:" + names + ":base", "oci:" + names + ":names", "--json");
    Cli.Result d = Cli.run(with(args, "--cache-dir", tmp.resolve("diff-cache-d").toString()));
    Cli.Result f = layerfs(with(args, "--cache-dir", tmp.resolve("diff-cache-f").toString(), "--tempLocation=" + tmp.resolve("diff-temp"))
        .toArray(String[]::new));

    assertEquals(0, d.exit(), d::toString);
    assertEquals(0, f.exit(), f::toString);
    assertTrue(d.out().contains("\"pathBase64\" : \"ZC1jYWbpL2b/\""), d::toString);
    assertEquals(d.out(), f.out());
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  /** Two images of layers Python's tarfile writes with Latin-1 names (see {@code names/make_layers.py}). */
  private static Path namesLayout(Path dir) throws Exception {
    Tools.require("python3");
    Path script = dir.resolve("make_layers.py");
    try (InputStream in = FlinkSessionClusterIT.class.getResourceAsStream("/names/make_layers.py")) {
      Files.copy(in, script);
    }
    Process p = new ProcessBuilder("python3", script.toString(), dir.toString()).redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertEquals(0, p.waitFor(), said);
    Path layout = dir.resolve("layout");
    byte[] pax = Files.readAllBytes(dir.resolve("pax.tar"));
    byte[] gnu = Files.readAllBytes(dir.resolve("gnu.tar"));
    Layouts.writeImages(layout, Map.of("names", List.of(pax, gnu), "base", List.of(gnu)));
    return layout;
  }
}
