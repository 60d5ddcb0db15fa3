package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Trees;

/**
 * A cold unpack with no Beam option indexes its layers beside the pipeline and writes the tree and
 * the cache a run through the pipeline writes; a layer that fails there still goes to the pipeline,
 * with the same error, exit status and nothing left behind.
 */
class UnpackBesidePipelineTest {
  static Stream<String> images() {
    return Stream.of(Fixtures.oci("layered"), Fixtures.layeredDockerArchive());
  }

  @ParameterizedTest
  @MethodSource("images")
  void aColdUnpackBesideThePipelineMakesNoPipelineOptionsAndWritesThePipelinesTreeAndCache(String ref, @TempDir Path tmp)
      throws Exception {
    Path piped = tmp.resolve("piped");
    Cli.Result r = Cli.run(List.of("unpack", ref, piped.toString(), "--rootless", "--cache-dir", tmp.resolve("piped-cache").toString(),
        "--targetParallelism=2"));
    assertEquals(0, r.exit(), r::toString);

    Path beside = tmp.resolve("beside");
    Path cache = tmp.resolve("beside-cache");
    UnpackJob job = UnpackJob.builder()
        .setReference(References.parse(List.of(ref)).get(0))
        .setDir(beside)
        .setCacheDir(cache)
        .setRootless(true)
        .setBesidePipeline(true)
        .setPipelineOptions(() -> {
          throw new AssertionError("pipeline options were made");
        })
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = job.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, new Progress(System.err, false), new RunFigures("unpack"));

    assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
    TreeManifest expected = TreeManifest.of(piped, false, true);
    assertEquals(List.of(), expected.differences(TreeManifest.of(beside, false, true), "pipeline", "beside"));
    assertArrayEquals(Files.readAllBytes(UnpackJob.ownersFile(piped)), Files.readAllBytes(UnpackJob.ownersFile(beside)));
    Trees.assertSameBytes(tmp.resolve("piped-cache"), cache, Set.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"corrupt-gzip", "unknown-mediatype"})
  void aLayerThatFailsBesideThePipelineGetsThePipelinesErrorAndExitStatus(String bad, @TempDir Path tmp) throws Exception {
    String ref = Fixtures.bad(bad) + ":small";
    Path pipedParent = Files.createDirectories(tmp.resolve("piped"));
    Path besideParent = Files.createDirectories(tmp.resolve("beside"));
    Cli.Result piped = Cli.run(List.of("unpack", ref, pipedParent.resolve("out").toString(),
        "--cache-dir", tmp.resolve("piped-cache").toString(), "--targetParallelism=2"));
    Cli.Result beside = Cli.run(List.of("unpack", ref, besideParent.resolve("out").toString(),
        "--cache-dir", tmp.resolve("beside-cache").toString()));

    assertEquals(1, piped.exit(), piped::toString);
    assertEquals(piped.exit(), beside.exit(), beside::toString);
    List<String> errors = errors(beside, besideParent);
    assertTrue(errors.stream().anyMatch(e -> e.contains("layer sha256:")), beside::toString);
    assertEquals(errors(piped, pipedParent), errors);
    assertFalse(Files.exists(besideParent.resolve("out"), LinkOption.NOFOLLOW_LINKS));
    try (Stream<Path> left = Files.list(besideParent)) {
      assertEquals(List.of(), left.toList(), "no partial tree, no temporary directory");
    }
    Trees.assertSameBytes(tmp.resolve("piped-cache"), tmp.resolve("beside-cache"), Set.of());
  }

  /** The job's error lines, the directory they name written as {@code PARENT}. */
  private static List<String> errors(Cli.Result r, Path parent) {
    List<String> errors = new ArrayList<>();
    r.err().lines().filter(l -> l.startsWith("layerfs: ")).forEach(l -> errors.add(l.replace(parent.toString(), "PARENT")));
    return errors;
  }
}
