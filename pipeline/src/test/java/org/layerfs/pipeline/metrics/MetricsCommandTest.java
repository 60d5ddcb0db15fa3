package org.layerfs.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/** {@code --metrics FILE} of the commands, read back with Prometheus's parser. */
class MetricsCommandTest {
  @TempDir Path tmp;

  @Test
  void indexWritesItsFiguresAndAFailedIndexKeepsTheLastSuccess() throws Exception {
    Path metrics = tmp.resolve("index.prom");
    Cli.Result good = Cli.run("index", Fixtures.oci("small"), "--out", tmp.resolve("out").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--metrics", metrics.toString());
    assertEquals(0, good.exit(), good::toString);
    List<PrometheusParser.Sample> first = PrometheusParser.parse(metrics);
    Map<String, String> index = Map.of("command", "index");
    assertEquals(1, PrometheusParser.value(first, "layerfs_images", Map.of("command", "index", "status", "indexed")));
    assertEquals(0, PrometheusParser.value(first, "layerfs_images", Map.of("command", "index", "status", "failed")));
    assertEquals(2, PrometheusParser.value(first, "layerfs_layers", Map.of("command", "index", "outcome", "decompressed")), "small's two layers");
    assertTrue(PrometheusParser.value(first, "layerfs_bytes", Map.of("command", "index", "what", "read")) > 0);
    assertEquals(1, PrometheusParser.value(first, "layerfs_run_success", index));
    double success = PrometheusParser.value(first, "layerfs_last_success_timestamp_seconds", index);
    assertEquals(PrometheusParser.value(first, "layerfs_last_run_timestamp_seconds", index), success);
    assertTrue(Math.abs(success - System.currentTimeMillis() / 1000.0) < 300, "a Unix time in seconds: " + success);
    assertTrue(first.stream().allMatch(s -> s.type().equals("gauge") && !s.help().isEmpty() && s.name().startsWith("layerfs_")), first.toString());

    // A cache of its own: the first run cached the layer whose blob this layout lacks.
    Cli.Result bad = Cli.run("index", Fixtures.bad("missing-blob"), "--out", tmp.resolve("out").toString(),
        "--cache-dir", tmp.resolve("empty-cache").toString(), "--metrics", metrics.toString());
    assertEquals(1, bad.exit(), bad::toString);
    List<PrometheusParser.Sample> second = PrometheusParser.parse(metrics);
    assertEquals(1, PrometheusParser.value(second, "layerfs_images", Map.of("command", "index", "status", "failed")));
    assertEquals(0, PrometheusParser.value(second, "layerfs_run_success", index));
    assertEquals(success, PrometheusParser.value(second, "layerfs_last_success_timestamp_seconds", index));
    assertTrue(PrometheusParser.value(second, "layerfs_last_run_timestamp_seconds", index) > success);
  }

  @Test
  void syncCountsImagesAndBlobs() throws Exception {
    Path metrics = tmp.resolve("sync.prom");
    String dst = "oci:" + tmp.resolve("mirror");
    Cli.Result first = Cli.run("sync", Fixtures.oci("layered"), dst + ":layered", "--metrics", metrics.toString());
    assertEquals(0, first.exit(), first::toString);
    List<PrometheusParser.Sample> copied = PrometheusParser.parse(metrics);
    assertEquals(1, PrometheusParser.value(copied, "layerfs_images", Map.of("command", "sync", "status", "copied")));
    assertEquals(5, PrometheusParser.value(copied, "layerfs_blobs", Map.of("command", "sync", "outcome", "copied")),
        "four layers and a config");
    assertTrue(PrometheusParser.value(copied, "layerfs_bytes", Map.of("command", "sync", "what", "copied")) > 0);

    Cli.Result again = Cli.run("sync", Fixtures.oci("layered"), dst + ":layered", "--metrics", metrics.toString());
    assertEquals(0, again.exit(), again::toString);
    List<PrometheusParser.Sample> upToDate = PrometheusParser.parse(metrics);
    assertEquals(1, PrometheusParser.value(upToDate, "layerfs_images", Map.of("command", "sync", "status", "skipped")));
    assertEquals(0, PrometheusParser.value(upToDate, "layerfs_blobs", Map.of("command", "sync", "outcome", "copied")));
    assertEquals(1, PrometheusParser.value(upToDate, "layerfs_run_success", Map.of("command", "sync")));
  }

  @Test
  void unpackThatThrowsStillWritesAFailedRun() throws Exception {
    Path metrics = tmp.resolve("unpack.prom");
    Cli.Result ok = Cli.run("unpack", Fixtures.oci("small"), tmp.resolve("rootfs").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--metrics", metrics.toString());
    assertEquals(0, ok.exit(), ok::toString);
    assertEquals(1, PrometheusParser.value(PrometheusParser.parse(metrics), "layerfs_images", Map.of("command", "unpack", "status", "unpacked")));

    // DIR is now not empty: the job refuses it after it started.
    Cli.Result refused = Cli.run("unpack", Fixtures.oci("small"), tmp.resolve("rootfs").toString(),
        "--cache-dir", tmp.resolve("cache").toString(), "--metrics", metrics.toString());
    assertEquals(2, refused.exit(), refused::toString);
    List<PrometheusParser.Sample> failed = PrometheusParser.parse(metrics);
    assertEquals(0, PrometheusParser.value(failed, "layerfs_run_success", Map.of("command", "unpack")));
  }
}
