package org.layerfs.pipeline.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.layerfs.pipeline.flink.SameOutputs.EMBEDDED_FLINK;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;

/** {@code index} and {@code sync} on an embedded Flink write what the direct runner writes. */
class EmbeddedFlinkTest {
  @TempDir Path tmp;

  @Test
  void indexWritesTheDirectRunnersCatalog() {
    IndexRun direct = Fixtures.shared(); // the same references, on the direct runner, cold cache
    IndexRun flink = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"),
        List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive()),
        EMBEDDED_FLINK.toArray(new String[0]));

    assertEquals(0, flink.result.exit(), flink.result::toString);
    SameOutputs.assertSameCatalog(direct.out, flink.out);
    // The report's counts come from the metrics of the finished Flink job.
    JsonNode layers = flink.report().path("layers");
    assertEquals(flink.layers().size(), layers.path("decompressed").asInt(), layers::toString);
    assertEquals(direct.report().path("layers"), layers);
    assertEquals(direct.report().path("bytes"), flink.report().path("bytes"));
  }

  @Test
  void syncMirrorsWhatTheDirectRunnerMirrors() {
    Path directMirror = tmp.resolve("direct");
    Path flinkMirror = tmp.resolve("flink");
    Cli.Result direct = Cli.run("sync", Fixtures.images(), "oci:" + directMirror);
    Cli.Result flink = sync(flinkMirror);

    assertEquals(0, direct.exit(), direct::toString);
    assertEquals(0, flink.exit(), flink::toString);
    assertEquals(SameOutputs.untimed(direct.out()), SameOutputs.untimed(flink.out()));
    SameOutputs.assertSameLayout(directMirror, flinkMirror);

    // Again: the outcomes the Flink workers wrote say that every image is up to date.
    Cli.Result again = sync(flinkMirror);
    assertEquals(0, again.exit(), again::toString);
    assertEquals("sync: 5 images: 0 copied, 0 moved, 5 up to date, 0 failed; blobs: 0 copied, 0 already there, 0 failed; 0 B copied",
        SameOutputs.untimed(again.out()));
    SameOutputs.assertSameLayout(directMirror, flinkMirror);
  }

  private static Cli.Result sync(Path mirror) {
    List<String> argv = new ArrayList<>(List.of("sync", Fixtures.images(), "oci:" + mirror));
    argv.addAll(EMBEDDED_FLINK);
    return Cli.run(argv);
  }
}
