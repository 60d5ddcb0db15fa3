package org.layerfs.pipeline.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

  /**
   * With {@code --flinkJobJarDir} the job jar is put in that directory once and the cluster loads it
   * from there: what the launcher sends the JobManager (counted through a relay in front of its
   * REST port) is then a small part of the jar, the first time and the next, where without it
   * the whole jar goes with each job. The catalogs are still the direct runner's.
   */
  @Test
  void aJobJarOnSharedStorageIsNotSentWithEachJob() throws Exception {
    long jar = Files.size(LauncherJar.jar().resolveSibling("layerfs-job.jar"));
    Path shared = tmp.resolve("job-jars");
    try (CountingRelay relay = CountingRelay.to(cluster.restPort())) {
      long sent = indexThrough(relay, "sent-jar");
      assertTrue(sent > jar, () -> "sent " + sent + " bytes without --flinkJobJarDir, the jar has " + jar);
      for (String run : List.of("shared-jar-1", "shared-jar-2")) {
        long few = indexThrough(relay, run, "--flinkJobJarDir=" + shared);
        assertTrue(few < jar / 20, () -> run + ": sent " + few + " bytes, the jar has " + jar);
      }
    }
    try (Stream<Path> placed = Files.list(shared)) {
      List<Path> jars = placed.toList();
      assertEquals(1, jars.size(), jars::toString);
      assertEquals(jar, Files.size(jars.get(0)));
    }
  }

  /** Indexes as {@link #indexWritesTheDirectRunnersCatalog} does through {@code relay}; returns the bytes sent through it. */
  private static long indexThrough(CountingRelay relay, String name, String... more) throws Exception {
    long before = relay.sent();
    Path out = tmp.resolve(name);
    List<String> args = with(List.of("index", Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive(),
        "--out", out.toString(), "--cache-dir", tmp.resolve(name + "-cache").toString(),
        "--runner=FlinkRunner", "--flinkMaster=127.0.0.1:" + relay.port(), "--parallelism=2"), more);
    Cli.Result r = LauncherJar.run(tmp, args);
    assertEquals(0, r.exit(), () -> r + cluster.tail("taskmanager-0.log"));
    SameOutputs.assertSameCatalog(Fixtures.shared().out, out);
    return relay.sent() - before;
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

  /**
   * The line is drawn from the cluster's metrics while the job runs: here the job is held on a
   * layer blob that is a named pipe, and the line must show the blobs to copy before it is fed.
   */
  @Test
  void progressIsDrawnWhileTheJobRuns() throws Exception {
    HeldBlob held = HeldBlob.in(copyOfImages(tmp.resolve("progress-source")));
    Path mirror = tmp.resolve("progress-mirror");
    Process sync = startSync(held.layout(), mirror, "progress");
    try {
      String line = awaitProgress(sync, tmp.resolve("progress.err"));
      assertTrue(cluster.jobs().containsValue("RUNNING"), line);
      held.feed();
      assertEquals(0, sync.waitFor(), () -> read(tmp.resolve("progress.err")));
    } finally {
      sync.destroyForcibly();
    }
    SameOutputs.assertSameLayout(directMirror(), mirror);
  }

  /**
   * One of the two TaskManagers dies mid-copy (kill -9): the job fails (the cluster has no restart
   * strategy: Flink restarts none without checkpointing), nothing half-written is under a final
   * name, and once a TaskManager takes its place a re-run completes the mirror.
   */
  @Test
  void aTaskManagerKilledMidJobLeavesNothingHalfWrittenAndARerunCompletes() throws Exception {
    HeldBlob held = HeldBlob.in(copyOfImages(tmp.resolve("kill-source")));
    Path mirror = tmp.resolve("kill-mirror");
    Process sync = startSync(held.layout(), mirror, "kill");
    try {
      awaitProgress(sync, tmp.resolve("kill.err"));
      cluster.killTaskManager(0);
      held.breakOff(); // a reader of the pipe on the surviving TaskManager reads a short blob
      assertEquals(1, sync.waitFor(), () -> read(tmp.resolve("kill.err")));
    } finally {
      sync.destroyForcibly();
    }
    assertEquals(List.of(), Layouts.misnamedBlobs(mirror));
    if (Files.exists(mirror.resolve("index.json"))) {
      assertEquals(List.of(), Layouts.missingBlobs(mirror));
    }

    cluster.await(o -> o.path("taskmanagers").asInt() == 1, "/overview", "the dead TaskManager gone");
    cluster.startTaskManager();
    cluster.await(o -> o.path("taskmanagers").asInt() == 2 && o.path("slots-available").asInt() == 2, "/overview", "two free slots");
    held.restore();
    Cli.Result again = layerfs("sync", "oci:" + held.layout(), "oci:" + mirror, "--tempLocation=" + tmp.resolve("kill-temp"));
    assertEquals(0, again.exit(), again::toString);
    // The same tags and blobs as one uninterrupted run; index.json lists the tags the failed run
    // committed first, so its order may differ.
    assertEquals(Layouts.tags(directMirror()), Layouts.tags(mirror));
    Map<String, String> blobs = SameOutputs.digests(mirror);
    Map<String, String> want = SameOutputs.digests(directMirror());
    // A temporary the killed TaskManager left is allowed (a later prune removes it): not a final name.
    blobs.keySet().removeIf(f -> !f.startsWith("blobs/") || f.endsWith(".tmp"));
    want.keySet().removeIf(f -> !f.startsWith("blobs/"));
    assertEquals(want, blobs);
    assertEquals(List.of(), Layouts.missingBlobs(mirror));
  }

  /**
   * The launcher asks the JobManager for a job's result once the job has ended, reading its status
   * until then; Flink's own client asks for the result at intervals growing to 2 s all along (so a
   * held job, as here, would get a dozen such requests), and answered up to 2 s after the end.
   */
  @Test
  void theJobsResultIsAskedForOnlyOnceTheJobHasEnded() throws Exception {
    HeldBlob held = HeldBlob.in(copyOfImages(tmp.resolve("result-source")));
    Path mirror = tmp.resolve("result-mirror");
    try (CountingRelay relay = CountingRelay.to(cluster.restPort())) {
      Process sync = LauncherJar.start(List.of("sync", "oci:" + held.layout(), "oci:" + mirror, "--tempLocation=" + tmp.resolve("result-temp"),
          "--runner=FlinkRunner", "--flinkMaster=127.0.0.1:" + relay.port(), "--parallelism=2", "--flinkJobJarDir=" + tmp.resolve("job-jars")),
          tmp.resolve("result.out"), tmp.resolve("result.err"));
      try {
        awaitProgress(sync, tmp.resolve("result.err"));
        held.feed();
        assertEquals(0, sync.waitFor(), () -> read(tmp.resolve("result.err")));
      } finally {
        sync.destroyForcibly();
      }
      // A second request when the first came just before the JobManager had the result.
      assertTrue(relay.requests("/execution-result") <= 2, () -> "requests for the result: " + relay.requests("/execution-result"));
    }
    SameOutputs.assertSameLayout(directMirror(), mirror);
  }

  private static Process startSync(Path source, Path mirror, String name) {
    return LauncherJar.start(with(List.of("sync", "oci:" + source, "oci:" + mirror, "--tempLocation=" + tmp.resolve(name + "-temp")),
        onCluster().toArray(String[]::new)), tmp.resolve(name + ".out"), tmp.resolve(name + ".err"));
  }

  /** Waits for a progress line that knows how many blobs there are (not printed before 10 s off a terminal). */
  private static String awaitProgress(Process p, Path err) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      String line = read(err).lines().filter(l -> l.matches("blobs [0-9]+/[1-9][0-9]*, .*")).findFirst().orElse(null);
      if (line != null) {
        return line;
      }
      assertTrue(p.isAlive(), () -> "ended before any progress line: " + read(err));
      Thread.sleep(250);
    }
    throw new AssertionError("no progress line in 180 s: " + read(err));
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static Path directMirror() {
    Path mirror = tmp.resolve("direct-mirror");
    if (!Files.exists(mirror)) {
      Cli.Result r = Cli.run("sync", Fixtures.images(), "oci:" + mirror);
      assertEquals(0, r.exit(), r::toString);
    }
    return mirror;
  }

  private static Path copyOfImages(Path to) throws Exception {
    Path from = Path.of(Fixtures.images().substring("oci:".length()));
    for (Path f : Layouts.files(from)) {
      Path target = to.resolve(from.relativize(f).toString());
      Files.createDirectories(target.getParent());
      Files.copy(f, target);
    }
    return to;
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
