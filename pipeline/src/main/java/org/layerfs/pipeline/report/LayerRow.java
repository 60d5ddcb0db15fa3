package org.layerfs.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;

/** One record of the catalog's {@code layers.jsonl}: a distinct layer and its sizes. */
record LayerRow(String digest, String compression, long size, long uncompressedSize, long fileBytes, long entries) {
  static LayerRow of(JsonNode n) {
    return new LayerRow(
        n.path("digest").asText(),
        n.path("compression").asText(),
        n.path("size").asLong(),
        n.path("uncompressedSize").asLong(),
        n.path("fileBytes").asLong(),
        n.path("entries").asLong());
  }
}
