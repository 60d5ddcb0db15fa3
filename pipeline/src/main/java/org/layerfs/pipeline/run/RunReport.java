package org.layerfs.pipeline.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.ImageJson;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.transforms.layer.LayerMetrics;

/** The summary of one run: every image's outcome and the layer counters, for people and for {@code --report}. */
public final class RunReport {
  private final String command;
  private final List<JsonNode> images;
  private final JobMetrics metrics;
  private final double seconds;

  private RunReport(String command, List<JsonNode> images, JobMetrics metrics, double seconds) {
    this.command = command;
    this.images = images;
    this.metrics = metrics;
    this.seconds = seconds;
  }

  /** Reads the image outcomes a pipeline wrote, one JSON object a line. */
  public static RunReport read(String command, Path outcomes, JobMetrics metrics, double seconds) throws IOException {
    List<JsonNode> images = new ArrayList<>();
    if (Files.exists(outcomes)) {
      for (String line : Files.readAllLines(outcomes)) {
        if (!line.isBlank()) {
          images.add(ImageJson.mapper().readTree(line));
        }
      }
    }
    images.sort(Comparator.comparing((JsonNode n) -> n.path("image").asText()));
    return new RunReport(command, images, metrics, seconds);
  }

  public long failedImages() {
    return images.stream().filter(n -> n.path("status").asText().equals("failed")).count();
  }

  /** One line per failed image on {@code err}, and a closing summary on {@code out}. */
  public void printSummary(PrintStream out, PrintStream err) {
    for (JsonNode n : images) {
      if (n.path("status").asText().equals("failed")) {
        err.println("failed: " + n.path("error").asText());
      }
    }
    out.printf(
        Locale.ROOT,
        "%s: %d images, %d failed; layers: %d decompressed, %d from cache, %d failed; %s in %.1f s%n",
        command, images.size(), failedImages(),
        metrics.counter(LayerMetrics.LAYERS_INDEXED), metrics.counter(LayerMetrics.LAYERS_CACHED),
        metrics.counter(LayerMetrics.LAYERS_FAILED), Sizes.human(metrics.counter(LayerMetrics.BYTES_DONE)), seconds);
  }

  /** Puts the figures this report prints into {@code figures}, for {@code --metrics}. */
  public void fill(RunFigures figures) {
    figures.images("indexed", images.size() - failedImages())
        .images("failed", failedImages())
        .layers("decompressed", metrics.counter(LayerMetrics.LAYERS_INDEXED))
        .layers("from_cache", metrics.counter(LayerMetrics.LAYERS_CACHED))
        .layers("failed", metrics.counter(LayerMetrics.LAYERS_FAILED))
        .bytes("read", metrics.counter(LayerMetrics.BYTES_DONE));
  }

  /** Writes the JSON report to {@code file}, replacing it whole. */
  public void write(Path file) throws IOException {
    ObjectNode root = ImageJson.mapper().createObjectNode();
    root.put("command", command);
    root.put("seconds", Math.round(seconds * 1000) / 1000.0);
    root.put("status", failedImages() > 0 ? "some images failed" : "ok");
    ObjectNode layers = root.putObject("layers");
    layers.put("decompressed", metrics.counter(LayerMetrics.LAYERS_INDEXED));
    layers.put("fromCache", metrics.counter(LayerMetrics.LAYERS_CACHED));
    layers.put("failed", metrics.counter(LayerMetrics.LAYERS_FAILED));
    layers.put("cacheEntriesRebuilt", metrics.counter(LayerMetrics.CACHE_REBUILT));
    root.put("bytes", metrics.counter(LayerMetrics.BYTES_DONE));
    ArrayNode array = root.putArray("images");
    images.forEach(array::add);
    DurableFiles.write(file, ImageJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
