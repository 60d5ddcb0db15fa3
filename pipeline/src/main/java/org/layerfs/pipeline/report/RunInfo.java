package org.layerfs.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The index run a catalog was made by, from its {@code run.json}; empty for older catalogs. */
record RunInfo(String date, List<String> references, String version) {
  static Optional<RunInfo> of(Optional<JsonNode> run) {
    return run.map(n -> {
      List<String> refs = new ArrayList<>();
      n.path("references").forEach(r -> refs.add(r.asText()));
      return new RunInfo(n.path("date").asText(), List.copyOf(refs), n.path("layerfsVersion").asText());
    });
  }
}
