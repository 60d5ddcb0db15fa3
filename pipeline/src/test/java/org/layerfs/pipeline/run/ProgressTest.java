package org.layerfs.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.pipeline.copy.CopyJob;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.transforms.copy.CopyRequest;

/** The progress line says what the job counts: layers for an index, blobs for a copy. */
class ProgressTest {
  @TempDir Path tmp;

  @Test
  void aLineCountsWhatItsCountersCount() {
    Map<String, Long> copy = Map.of("blobsTotal", 7L, "blobsCopied", 2L, "blobsAlreadyThere", 3L, "blobsFailed", 1L,
        "bytesTotal", 2048L, "bytesDone", 1024L);
    assertEquals("blobs 6/7, 1.0 KiB/2.0 KiB, 1.0 KiB/s, 1s left",
        Progress.line(n -> copy.getOrDefault(n, 0L), 1.0));
    Map<String, Long> index = Map.of("layersTotal", 4L, "layersIndexed", 1L, "layersFromCache", 2L,
        "bytesTotal", 10L, "bytesDone", 10L);
    assertEquals("layers 3/4, 10 B/10 B, 10 B/s", Progress.line(n -> index.getOrDefault(n, 0L), 1.0));
  }

  @Test
  void aCopyCountsBlobsNotLayers() throws Exception {
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    CopyJob job = CopyJob.builder()
        .setMode(CopyJob.Mode.COPY)
        .setRequests(List.of(CopyRequest.builder()
            .setSource(ImageReference.parse(Fixtures.oci("small")))
            .setDestination(ImageReference.parse("oci:" + tmp.resolve("dst") + ":small"))
            .build()))
        .setPrune(false)
        .setDryRun(false)
        .setReport(Optional.empty())
        .setPipelineOptions(PipelineOptionsFactory::create)
        .build();
    try (PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(shown, true, StandardCharsets.UTF_8)) {
      assertEquals(0, job.run(out, err, new Progress(err, true), new RunFigures("copy")));
    }
    String text = shown.toString(StandardCharsets.UTF_8);
    String last = text.substring(text.lastIndexOf('\r') + 1);
    Matcher m = Pattern.compile("^blobs (\\d+)/(\\d+), ").matcher(last);
    assertTrue(m.find(), text);
    assertEquals(m.group(2), m.group(1), text);
    assertTrue(Integer.parseInt(m.group(2)) >= 3, "two layers and a config at least: " + text);
    assertFalse(text.contains("layers"), text);
  }
}
