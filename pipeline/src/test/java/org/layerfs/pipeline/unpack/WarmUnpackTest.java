package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Trees;

/** With every layer in the cache, unpack writes the tree without building a pipeline. */
class WarmUnpackTest {
  @Test
  void aWarmUnpackRunsNoPipelineAndWritesTheColdTree(@TempDir Path tmp) throws Exception {
    Path cache = tmp.resolve("cache");
    Path cold = tmp.resolve("cold");
    Cli.Result r = Cli.run(List.of("unpack", Fixtures.oci("layered"), cold.toString(), "--rootless", "--cache-dir", cache.toString()));
    assertEquals(0, r.exit(), r::toString);

    Path warm = tmp.resolve("warm");
    UnpackJob job = UnpackJob.builder()
        .setReference(References.parse(List.of(Fixtures.oci("layered"))).get(0))
        .setDir(warm)
        .setCacheDir(cache)
        .setPlatform(Optional.empty())
        .setRootless(true)
        .setPipelineOptions(() -> {
          throw new AssertionError("a pipeline was built");
        })
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = job.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, new Progress(System.err, false), new RunFigures("unpack"));

    assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
    Map<String, Path> expected = Trees.regularFiles(cold);
    Map<String, Path> actual = Trees.regularFiles(warm);
    assertEquals(expected.keySet(), actual.keySet());
    for (String rel : expected.keySet()) {
      assertArrayEquals(Files.readAllBytes(expected.get(rel)), Files.readAllBytes(actual.get(rel)), rel);
    }
  }
}
