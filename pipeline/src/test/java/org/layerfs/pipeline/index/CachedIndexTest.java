package org.layerfs.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMultiset;
import com.google.common.collect.Multiset;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.registry.RequestTap;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Trees;

/** A warm index is written from the cache without a pipeline, byte for byte what the pipeline wrote. */
class CachedIndexTest {
  private static final List<String> REFS = List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive());

  /** An index job whose pipeline options, the first thing a pipeline needs, fail the test when asked for. */
  private static IndexJob withoutPipeline(Path out, Path cache) throws Exception {
    return IndexJob.builder()
        .setReferences(References.parse(REFS))
        .setOutDir(out)
        .setCacheDir(cache)
        .setPlatform(Optional.empty())
        .setReport(Optional.empty())
        .setPipelineOptions(() -> {
          throw new AssertionError("a pipeline was built");
        })
        .build();
  }

  @Test
  void aWarmIndexRunsNoPipelineAndWritesTheSameBytes(@TempDir Path tmp) throws Exception {
    IndexRun cold = Fixtures.shared();
    Path cache = tmp.resolve("cache");
    Trees.copy(cold.cache, cache);
    Path out = tmp.resolve("out");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int exit = withoutPipeline(out, cache).run(
        new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err, new Progress(System.err, false), new RunFigures("index"));

    assertEquals(0, exit);
    String summary = stdout.toString(StandardCharsets.UTF_8);
    assertTrue(summary.contains("layers: 0 decompressed, " + cold.layers().size() + " from cache, 0 failed"), summary);
    Map<String, Path> expected = Trees.regularFiles(cold.out);
    Map<String, Path> actual = Trees.regularFiles(out);
    assertEquals(expected.keySet(), actual.keySet());
    for (String rel : expected.keySet()) {
      if (!rel.equals("run.json")) { // the same but for when it ended
        assertArrayEquals(Files.readAllBytes(expected.get(rel)), Files.readAllBytes(actual.get(rel)), rel);
      }
    }
  }

  @Test
  void aLayerMissingFromTheCacheLeavesTheWorkToThePipelineAndWritesNothing(@TempDir Path tmp) throws Exception {
    Path cache = tmp.resolve("cache");
    Trees.copy(Fixtures.shared().cache, cache);
    try (Stream<Path> s = Files.walk(cache)) {
      Path entry = s.filter(p -> p.getFileName().toString().equals("summary.json")).findFirst().orElseThrow().getParent();
      MoreFiles.deleteRecursively(entry, RecursiveDeleteOption.ALLOW_INSECURE);
    }
    Path out = Files.createDirectory(tmp.resolve("out"));

    assertFalse(CachedIndex.write(withoutPipeline(out, cache), out.resolve("outcomes.jsonl"), new Progress(System.err, false))
        .written().isPresent());
    try (Stream<Path> s = Files.list(out)) {
      assertEquals(List.of(), s.toList());
    }
  }

  @Test
  void aColdIndexOfARegistryFetchesEachDocumentOnce(@TempDir Path tmp) throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String image = "docker://" + registry.host() + "/mirror:layered";
      Cli.Result push = Cli.run("copy", Fixtures.oci("layered"), image, "--tls-verify=false");
      assertEquals(0, push.exit(), push::toString);
      try (RequestTap tap = new RequestTap(registry.host())) {
        Cli.Result index = Cli.run("index", "docker://" + tap.host() + "/mirror:layered",
            "--out", tmp.resolve("out").toString(), "--cache-dir", tmp.resolve("cache").toString(), "--tls-verify=false");
        assertEquals(0, index.exit(), index::toString);

        // The warm-cache check resolves the image before its layers are read beside the pipeline
        // (or the pipeline runs, which takes what it resolved): manifest and config once.
        ImmutableMultiset<String> gets = tap.requests().stream()
            .filter(r -> r.startsWith("GET /v2/mirror/"))
            .collect(ImmutableMultiset.toImmutableMultiset());
        assertEquals(1, tap.kinds().count("GET manifest"), tap.requests()::toString);
        for (Multiset.Entry<String> get : gets.entrySet()) {
          assertEquals(1, get.getCount(), () -> get.getElement() + " asked more than once: " + tap.requests());
        }
      }
    }
  }
}
