package org.layerfs.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's choice of class cache: the AOT caches of a copy or sync beside the pipeline on
 * Java 25, the class-data archive otherwise, each trained once per jar, on the first run after
 * the build, and never used half written. The launcher runs against a built tree and a stand-in {@code java} that logs its
 * arguments and writes the file a training run names.
 */
class LauncherCacheTest {
  private static final String FAKE_JAVA = """
      #!/bin/sh
      echo "$*" >> "$FAKE_LOG"
      for a in "$@"; do
        case "$a" in
          -XX:AOTCacheOutput=*|-XX:ArchiveClassesAtExit=*)
            f="${a#*=}"; echo half > "$f"
            [ -n "$FAKE_TRAINING_FAILS" ] && exit 1
            echo whole >> "$f" ;;
          -Dlayerfs.statusFile=*) ended="${a#*=}" ;;
        esac
      done
      if [ -n "$ended" ]; then
        printf 0 > "$ended"
        [ -n "$FAKE_DUMP_CRASHES" ] && kill -ABRT $$
      fi
      exit 0
      """;

  /** The target directory once every cache and archive is trained. */
  private static final List<String> ALL_TRAINED =
      List.of("layerfs-jdk.jsa", "layerfs-registry-jdk.aot", "layerfs-sync-jdk.aot", "layerfs.jar");

  @TempDir Path tmp;
  private Path tree;
  private Path target;
  private Path jdk;
  private Path log;

  @BeforeEach
  void builtTree() throws Exception {
    tree = tmp.resolve("tree");
    target = Files.createDirectories(tree.resolve("pipeline/target"));
    Files.createDirectories(tree.resolve("io"));
    Files.createDirectories(tree.resolve("transforms"));
    Files.copy(Path.of("..", "layerfs"), tree.resolve("layerfs"));
    Files.writeString(tree.resolve("pom.xml"), "<project/>");
    Files.setLastModifiedTime(tree.resolve("pom.xml"), FileTime.from(Instant.now().minusSeconds(3600)));
    Files.writeString(target.resolve("layerfs.jar"), "jar");
    jdk = tmp.resolve("jdk");
    Path java = Files.createDirectories(jdk.resolve("bin")).resolve("java");
    Files.writeString(java, FAKE_JAVA);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    javaVersion("25.0.1");
    log = tmp.resolve("java.log");
  }

  private void javaVersion(String version) throws Exception {
    Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
  }

  private String output;

  /** The launcher's java command lines for one run of {@code layerfs args}; its output in {@link #output}. */
  private List<String> run(boolean trainingFails, String... args) throws Exception {
    return runWith(trainingFails ? "FAKE_TRAINING_FAILS" : "FAKE_NOTHING", args);
  }

  /** As {@link #run(boolean, String...)}, the stand-in java told to fail as {@code fault} says. */
  private List<String> runWith(String fault, String... args) throws Exception {
    Files.deleteIfExists(log);
    List<String> cmd = new ArrayList<>(List.of("bash", tree.resolve("layerfs").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("LAYERFS_JAVA_OPTS");
    pb.environment().put("LAYERFS_JAVA", jdk.resolve("bin/java").toString());
    pb.environment().put("FAKE_LOG", log.toString());
    pb.environment().put(fault, "1");
    Process p = pb.start();
    output = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not finish");
    assertEquals(0, p.exitValue(), output);
    return Files.readAllLines(log);
  }

  private List<String> run(String... args) throws Exception {
    return run(false, args);
  }

  private List<String> targetFiles() throws Exception {
    try (Stream<Path> files = Files.list(target)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private static String command(List<String> lines) {
    return lines.get(lines.size() - 1);
  }

  @Test
  void aSyncBesideThePipelineOnJava25IsTrainedOnceAnAotCacheAndRunsWithIt() throws Exception {
    Path cache = target.resolve("layerfs-sync-jdk.aot");
    List<String> first = run("sync", "oci:a", "oci:b", "--tags=RC.*");
    assertEquals(4, first.size(), "the two caches, the archive, the command: " + first);
    assertTrue(first.get(0).contains("-XX:AOTCacheOutput=" + cache + "."), first.get(0));
    assertTrue(first.get(0).contains("org.layerfs.pipeline.ArchiveTraining " + tree.resolve("testdata/images") + " ")
        && first.get(0).endsWith(" beside"), first.get(0));
    assertTrue(first.get(0).contains(" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining "),
        "the cache holds no method profiles: " + first.get(0));
    assertTrue(first.get(1).endsWith(" registry") && first.get(1).contains("-XX:-AOTRecordTraining "), first.get(1));
    assertFalse(first.get(2).contains("AOTRecordTraining"), "the archive's training: " + first.get(2));
    assertTrue(command(first).contains("-XX:AOTCache=" + cache + " "), command(first));
    assertFalse(command(first).contains("SharedArchiveFile"), command(first));
    assertEquals(ALL_TRAINED, targetFiles());
    assertEquals("half\nwhole\n", Files.readString(cache));

    List<String> again = run("copy", "oci:a:x", "oci:b:x");
    assertEquals(1, again.size(), "no second training: " + again);
    assertTrue(command(again).contains("-XX:AOTCache=" + cache + " "), command(again));
  }

  @Test
  void aBeamOptionAMoveOrAnIndexUseTheClassArchive() throws Exception {
    Path archive = target.resolve("layerfs-jdk.jsa");
    for (List<String> args : List.of(
        List.of("sync", "oci:a", "oci:b", "--targetParallelism=2"),
        List.of("copy", "oci:a", "oci:b", "--runner=DirectRunner"),
        List.of("move", "oci:a", "oci:b"),
        List.of("index", "oci:a", "--out", "o"))) {
      List<String> lines = run(args.toArray(String[]::new));
      assertTrue(command(lines).contains("-XX:SharedArchiveFile=" + archive + " "), command(lines));
      assertFalse(command(lines).contains("AOTCache"), command(lines));
    }
    assertEquals(ALL_TRAINED, targetFiles());
  }

  @Test
  void aCopyOrSyncNamingARegistryUsesTheRegistrysCache() throws Exception {
    Path cache = target.resolve("layerfs-registry-jdk.aot");
    for (List<String> args : List.of(
        List.of("sync", "oci:a", "docker://127.0.0.1:5000/b", "--tls-verify=false"),
        List.of("copy", "docker://registry.example/a:1", "oci:b:1"),
        List.of("sync", "--config", "mirror.yaml", "docker://registry.example"))) {
      List<String> lines = run(args.toArray(String[]::new));
      assertTrue(command(lines).contains("-XX:AOTCache=" + cache + " "), command(lines));
    }
    assertEquals("half\nwhole\n", Files.readString(cache));
    List<String> piped = run("sync", "oci:a", "docker://127.0.0.1:5000/b", "--targetParallelism=2");
    assertTrue(command(piped).contains("-XX:SharedArchiveFile=" + target.resolve("layerfs-jdk.jsa") + " "), command(piped));
  }

  @Test
  void aFailedTrainingLeavesAStampAndIsNotTriedAgainForTheSameJar() throws Exception {
    List<String> lines = run(true, "sync", "oci:a", "oci:b");
    assertEquals(4, lines.size(), "three trainings and the command: " + lines);
    assertTrue(lines.get(0).contains("-XX:ErrorFile=") && lines.get(1).contains("-XX:ErrorFile=")
            && lines.get(2).contains("-XX:ErrorFile="),
        "a crashing training's log is kept out of the working directory: " + lines);
    assertFalse(command(lines).contains("AOTCache") || command(lines).contains("SharedArchiveFile"), command(lines));
    assertEquals(
        List.of("layerfs-jdk.jsa.failed", "layerfs-registry-jdk.aot.failed", "layerfs-sync-jdk.aot.failed", "layerfs.jar"),
        targetFiles());

    for (String command : List.of("sync", "index")) {
      List<String> again = run(true, command, "oci:a", "oci:b");
      assertEquals(1, again.size(), "no training again for the same jar: " + again);
    }

    Files.setLastModifiedTime(target.resolve("layerfs.jar"), FileTime.from(Instant.now().plusSeconds(60)));
    List<String> rebuilt = run("sync", "oci:a", "oci:b");
    assertEquals(4, rebuilt.size(), "a new jar is trained again: " + rebuilt);
    assertEquals(ALL_TRAINED, targetFiles());
  }

  @Test
  void aCacheOlderThanTheJarIsTrainedAgain() throws Exception {
    Path cache = target.resolve("layerfs-sync-jdk.aot");
    Files.writeString(cache, "an older jar's");
    Files.setLastModifiedTime(cache, FileTime.from(Instant.now().minusSeconds(600)));
    List<String> lines = run("sync", "oci:a", "oci:b");
    assertTrue(lines.get(0).contains("-XX:AOTCacheOutput=" + cache + "."), lines.get(0));
    assertEquals("half\nwhole\n", Files.readString(cache));
  }

  @Test
  void java17KeepsTheClassArchiveAndNoOptionItRefuses() throws Exception {
    javaVersion("17.0.17");
    List<String> lines = run("sync", "oci:a", "oci:b");
    assertTrue(command(lines).contains("-XX:SharedArchiveFile=" + target.resolve("layerfs-jdk.jsa") + " "), command(lines));
    assertFalse(String.join("\n", lines).contains("-Xlog:aot") || String.join("\n", lines).contains("AOTCache")
        || String.join("\n", lines).contains("AOTRecordTraining"), lines.toString());
  }

  @Test
  void aFlinkCommandRecordsItsArchiveOnceAndADumpThatCrashesKeepsTheCommandsStatus() throws Exception {
    Path flink = target.resolve("layerfs-flink-jdk.jsa");
    String[] command = {"sync", "oci:a", "oci:b", "--runner=FlinkRunner"};
    List<String> crashed = runWith("FAKE_DUMP_CRASHES", command);
    assertEquals(4, crashed.size(), "three trainings and the command: " + crashed);
    assertTrue(command(crashed).contains("-XX:ArchiveClassesAtExit=" + flink + "."), command(crashed));
    assertTrue(output.contains("crashed writing the Flink class archive") && !output.contains("Aborted"), output);
    assertEquals(
        List.of("layerfs-flink-jdk.jsa.failed", "layerfs-jdk.jsa", "layerfs-registry-jdk.aot", "layerfs-sync-jdk.aot",
            "layerfs.jar"),
        targetFiles());
    List<String> again = run(command);
    assertFalse(command(again).contains("ArchiveClassesAtExit"), "not recorded again for the same jar: " + again);

    // A build after the stamp: the stamp older than the jar, the caches trained since still newer.
    Files.setLastModifiedTime(target.resolve("layerfs-flink-jdk.jsa.failed"), FileTime.from(Instant.now().minusSeconds(600)));
    Files.setLastModifiedTime(target.resolve("layerfs.jar"), FileTime.from(Instant.now().minusSeconds(300)));
    assertTrue(command(run(command)).contains("-XX:ArchiveClassesAtExit=" + flink + "."), "a new jar records again");
    assertEquals("half\nwhole\n", Files.readString(flink));
    assertTrue(command(run(command)).contains("-XX:SharedArchiveFile=" + flink + " "), "a new jar's archive is used");
  }
}
