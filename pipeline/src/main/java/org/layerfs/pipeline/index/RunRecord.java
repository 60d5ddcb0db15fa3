package org.layerfs.pipeline.index;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.pipeline.run.LayerfsVersion;

/** The catalog's {@code run.json}: when and from which references it was made, by which layerfs. */
final class RunRecord {
  private RunRecord() {}

  static void write(Path outDir, List<ImageReference> references, Instant finished) throws IOException {
    ObjectNode root = ImageJson.mapper().createObjectNode();
    root.put("command", "index");
    root.put("date", finished.truncatedTo(ChronoUnit.SECONDS).toString());
    ArrayNode refs = root.putArray("references");
    references.forEach(r -> refs.add(r.toString()));
    root.put("layerfsVersion", LayerfsVersion.get());
    DurableFiles.write(outDir.resolve("run.json"), ImageJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
