package org.layerfs.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** One image of the catalog's {@code images.jsonl}, with the largest files of its merged view. */
record ImageRow(String ref, String digest, String platform, List<String> layers, long files, long totalBytes,
    long mergedBytes, long wastedBytes, double efficiency, List<FileSize> largestFiles) {
  static ImageRow of(JsonNode n, List<FileSize> largestFiles) {
    List<String> layers = new ArrayList<>();
    n.path("layers").forEach(l -> layers.add(l.asText()));
    return new ImageRow(
        n.path("ref").asText(),
        n.path("digest").asText(),
        n.path("platform").asText(""),
        List.copyOf(layers),
        n.path("files").asLong(),
        n.path("totalBytes").asLong(),
        n.path("mergedBytes").asLong(),
        n.path("wastedBytes").asLong(),
        n.path("efficiency").asDouble(1.0),
        largestFiles);
  }
}
