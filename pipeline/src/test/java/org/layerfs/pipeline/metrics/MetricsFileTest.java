package org.layerfs.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.files.DurableFiles;

class MetricsFileTest {
  @TempDir Path tmp;

  @Test
  void labelValuesAreEscapedAsTheFormatSays() throws Exception {
    String command = "we\"ird\\com\nmand";
    Path file = tmp.resolve("odd.prom");
    MetricsFile.write(file, new RunFigures(command).images("with \"quotes\"", 3), true, 1.5, Instant.ofEpochSecond(1_700_000_000));
    List<PrometheusParser.Sample> samples = PrometheusParser.parse(file);
    assertEquals(3, PrometheusParser.value(samples, "layerfs_images", Map.of("command", command, "status", "with \"quotes\"")));
    assertEquals(1.5, PrometheusParser.value(samples, "layerfs_run_duration_seconds", Map.of("command", command)));
    assertEquals(1_700_000_000, PrometheusParser.value(samples, "layerfs_last_success_timestamp_seconds", Map.of("command", command)));
  }

  @Test
  void aFailedRunKeepsThePreviousSuccessAndAFirstFailureSaysNone() throws Exception {
    Path file = tmp.resolve("job.prom");
    MetricsFile.write(file, new RunFigures("sync"), false, 1, Instant.ofEpochSecond(1_700_000_000));
    assertEquals(0, PrometheusParser.value(PrometheusParser.parse(file), "layerfs_last_success_timestamp_seconds", Map.of("command", "sync")));

    MetricsFile.write(file, new RunFigures("sync"), true, 1, Instant.ofEpochMilli(1_700_000_100_250L));
    MetricsFile.write(file, new RunFigures("sync"), false, 1, Instant.ofEpochSecond(1_700_000_200));
    List<PrometheusParser.Sample> samples = PrometheusParser.parse(file);
    assertEquals(1_700_000_100.25, PrometheusParser.value(samples, "layerfs_last_success_timestamp_seconds", Map.of("command", "sync")));
    assertEquals(1_700_000_200, PrometheusParser.value(samples, "layerfs_last_run_timestamp_seconds", Map.of("command", "sync")));
    assertEquals(0, PrometheusParser.value(samples, "layerfs_run_success", Map.of("command", "sync")));
    try (var names = Files.list(tmp)) {
      assertTrue(names.noneMatch(p -> DurableFiles.isTemporary(p.getFileName().toString())), "no temporary left");
    }
  }
}
