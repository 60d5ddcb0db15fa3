package org.layerfs.pipeline.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.ImageJson;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Decimals;
import org.layerfs.pipeline.run.Sizes;
import org.layerfs.transforms.copy.CopyMetrics;

/** The summary of a copy, sync or move: every image's outcome, the blob counters and what was pruned. */
final class CopyReport {
  private final String command;
  private final List<JsonNode> images;
  private final Pruning.Outcome pruning;
  private final ToLongFunction<String> counters;
  private final double seconds;

  /**
   * {@code images}: every image's outcome record; {@code pruning}: what pruning removed and the
   * tags it had to leave; {@code counters}: the job's counters by name.
   */
  CopyReport(String command, List<JsonNode> images, Pruning.Outcome pruning, ToLongFunction<String> counters, double seconds) {
    this.command = command;
    this.images = new ArrayList<>(images);
    this.images.sort(CopyReport::byImageThenDestination);
    this.pruning = pruning;
    this.counters = counters;
    this.seconds = seconds;
  }

  /** Written out: Comparator.comparing's lambdas are spun at run time, not taken from the AOT cache. */
  private static int byImageThenDestination(JsonNode a, JsonNode b) {
    int image = a.path("image").asText().compareTo(b.path("image").asText());
    return image != 0 ? image : a.path("destination").asText().compareTo(b.path("destination").asText());
  }

  /** Reads the image outcomes the pipeline wrote, one JSON object a line. */
  static List<JsonNode> readOutcomes(Path outcomes) throws IOException {
    List<JsonNode> images = new ArrayList<>();
    if (Files.exists(outcomes)) {
      for (String line : Files.readAllLines(outcomes)) {
        if (!line.isBlank()) {
          images.add(ImageJson.mapper().readTree(line));
        }
      }
    }
    return images;
  }

  /** Images (referrers apart) that ended with {@code status}. */
  long count(String status) {
    return images.stream().filter(n -> !n.path("referrer").asBoolean() && n.path("status").asText().equals(status)).count();
  }

  /** Referrers and legacy cosign tags that ended with {@code status}. */
  long referrers(String status) {
    return images.stream().filter(n -> n.path("referrer").asBoolean() && n.path("status").asText().equals(status)).count();
  }

  /** True when an image or a referrer failed. */
  boolean anyFailed() {
    return count("failed") + referrers("failed") > 0;
  }

  /** One line per failed image on {@code err}, one per pruned or kept tag and a closing summary on {@code out}. */
  void printSummary(PrintStream out, PrintStream err) {
    for (JsonNode n : images) {
      if (n.path("status").asText().equals("failed")) {
        err.println("failed: " + n.path("image").asText() + ": " + n.path("error").asText());
      }
    }
    for (JsonNode n : images) {
      if (n.path("status").asText().equals("copied") && n.has("reason")) {
        out.println("kept: " + n.path("image").asText() + ": " + n.path("reason").asText());
      }
    }
    pruning.pruned().forEach(r -> out.println("pruned: " + r));
    pruning.referrers().forEach(r -> out.println("pruned referrer: " + r));
    pruning.kept().forEach((r, why) -> out.println("kept: " + r + ": " + why));
    long referrers = images.stream().filter(n -> n.path("referrer").asBoolean()).count();
    String travelled = referrers == 0 ? ""
        : "; referrers: " + referrers("copied") + " copied, " + referrers("moved") + " moved, " + referrers("failed") + " failed";
    String prunedPart = pruning.pruned().isEmpty() && pruning.referrers().isEmpty() ? ""
        : "; pruned: " + pruning.pruned().size() + " tags, " + pruning.referrers().size() + " referrers";
    // Joined, not formatted: the formatter's first use loads the JDK's locale data (Decimals).
    out.println(command + ": " + (images.size() - referrers) + " images: " + count("copied") + " copied, " + count("moved")
        + " moved, " + count("skipped") + " up to date, " + count("failed") + " failed" + travelled + "; blobs: "
        + counters.applyAsLong(CopyMetrics.BLOBS_COPIED) + " copied, " + counters.applyAsLong(CopyMetrics.BLOBS_PRESENT)
        + " already there, " + counters.applyAsLong(CopyMetrics.BLOBS_FAILED) + " failed; "
        + Sizes.human(counters.applyAsLong(CopyMetrics.BYTES_COPIED)) + " copied in " + Decimals.oneDecimal(seconds) + " s"
        + prunedPart);
  }

  /** Puts the figures this report prints into {@code figures}, for {@code --metrics}. */
  void fill(RunFigures figures) {
    for (String status : List.of("copied", "moved", "skipped", "failed")) {
      figures.images(status, count(status));
    }
    figures.blobs("copied", counters.applyAsLong(CopyMetrics.BLOBS_COPIED))
        .blobs("already_there", counters.applyAsLong(CopyMetrics.BLOBS_PRESENT))
        .blobs("failed", counters.applyAsLong(CopyMetrics.BLOBS_FAILED))
        .bytes("copied", counters.applyAsLong(CopyMetrics.BYTES_COPIED));
  }

  /** Writes the JSON report to {@code file}, replacing it whole. */
  void write(Path file) throws IOException {
    ObjectNode root = ImageJson.mapper().createObjectNode();
    root.put("command", command);
    root.put("seconds", Math.round(seconds * 1000) / 1000.0);
    root.put("status", anyFailed() ? "some images failed" : "ok");
    ObjectNode blobs = root.putObject("blobs");
    blobs.put("copied", counters.applyAsLong(CopyMetrics.BLOBS_COPIED));
    blobs.put("alreadyThere", counters.applyAsLong(CopyMetrics.BLOBS_PRESENT));
    blobs.put("failed", counters.applyAsLong(CopyMetrics.BLOBS_FAILED));
    root.put("bytes", counters.applyAsLong(CopyMetrics.BYTES_COPIED));
    ObjectNode travelled = root.putObject("referrers");
    for (String status : List.of("copied", "moved", "failed")) {
      travelled.put(status, referrers(status));
    }
    ArrayNode prunedArray = root.putArray("pruned");
    pruning.pruned().forEach(r -> prunedArray.add(r.toString()));
    ArrayNode prunedReferrers = root.putArray("prunedReferrers");
    pruning.referrers().forEach(r -> prunedReferrers.add(r.toString()));
    ArrayNode keptArray = root.putArray("kept");
    pruning.kept().forEach((r, why) -> keptArray.addObject().put("image", r.toString()).put("reason", why));
    ArrayNode array = root.putArray("images");
    images.forEach(array::add);
    DurableFiles.write(file, ImageJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
