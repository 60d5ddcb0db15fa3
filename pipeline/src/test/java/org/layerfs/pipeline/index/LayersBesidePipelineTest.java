package org.layerfs.pipeline.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.layerfs.pipeline.cli.References;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Trees;

/**
 * A cold index on the default runner reads its layers beside the pipeline and writes the catalog
 * the pipeline writes; what it cannot do (a failing layer, an image that does not resolve) the
 * pipeline still does, with the same report and exit status.
 */
class LayersBesidePipelineTest {
  private static final List<String> REFS = List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive());

  @Test
  void aColdIndexBesideThePipelineMakesNoPipelineOptionsAndWritesThePipelinesBytes(@TempDir Path tmp) throws Exception {
    // A Beam option runs the pipeline as before: its catalog is the one to match.
    IndexRun pipeline = IndexRun.run(tmp.resolve("pipeline"), tmp.resolve("pipeline-cache"), REFS, "--targetParallelism=2");
    assertEquals(0, pipeline.result.exit(), pipeline.result::toString);
    Path out = tmp.resolve("beside");
    Path cache = tmp.resolve("beside-cache");
    IndexJob job = IndexJob.builder()
        .setReferences(References.parse(REFS))
        .setOutDir(out)
        .setCacheDir(cache)
        .setPlatform(Optional.empty())
        .setReport(Optional.empty())
        .setBesidePipeline(true)
        .setPipelineOptions(() -> {
          throw new AssertionError("pipeline options were made");
        })
        .build();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int exit = job.run(new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err, new Progress(System.err, false),
        new RunFigures("index"));

    assertEquals(0, exit);
    String summary = stdout.toString(StandardCharsets.UTF_8);
    assertTrue(summary.contains("layers: " + pipeline.layers().size() + " decompressed, 0 from cache, 0 failed"), summary);
    assertSameBytes(pipeline.out, out);
    assertSameBytes(pipeline.cache, cache);
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of(Fixtures.bad("corrupt-gzip") + ":small"),
        Arguments.of(Fixtures.bad("unknown-mediatype") + ":small"),
        Arguments.of(Fixtures.bad("malformed-manifest") + ":small"),
        Arguments.of(Fixtures.bad("two-images")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailureGetsThePipelinesReportAndExitStatus(String ref, @TempDir Path tmp) throws Exception {
    IndexRun pipeline = IndexRun.run(tmp.resolve("pipeline"), tmp.resolve("pipeline-cache"), List.of(ref), "--targetParallelism=2");
    IndexRun beside = IndexRun.run(tmp.resolve("beside"), tmp.resolve("beside-cache"), List.of(ref));

    assertEquals(1, pipeline.result.exit(), pipeline.result::toString);
    assertEquals(pipeline.result.exit(), beside.result.exit(), beside.result::toString);
    assertEquals(withoutTimes(pipeline.report()), withoutTimes(beside.report()));
    assertEquals(pipeline.result.err().lines().filter(l -> l.startsWith("failed: ")).toList(),
        beside.result.err().lines().filter(l -> l.startsWith("failed: ")).toList());
    assertSameBytes(pipeline.cache, beside.cache);
  }

  /** The report without its run time, its images by name. */
  private static JsonNode withoutTimes(JsonNode report) {
    ObjectNode copy = ((ObjectNode) report).deepCopy();
    copy.remove("seconds");
    Map<String, JsonNode> images = new TreeMap<>();
    copy.get("images").forEach(i -> images.put(i.get("image").asText(), i));
    copy.putArray("images").addAll(images.values());
    return copy;
  }

  /** Two trees hold the same files, byte for byte, but for the catalog's {@code run.json} (when it ended). */
  private static void assertSameBytes(Path expected, Path actual) throws Exception {
    Trees.assertSameBytes(expected, actual, Set.of("run.json"));
  }
}
