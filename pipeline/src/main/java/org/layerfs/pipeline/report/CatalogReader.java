package org.layerfs.pipeline.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.model.StrictJson;

/**
 * Reads a catalog {@code layerfs index} wrote and sums it up. Every file is streamed a line at a
 * time; what is kept is per layer and per image, plus bounded top lists, so memory does not grow
 * with the number of files in the mirror.
 */
final class CatalogReader {
  static final int LARGEST_FILES = 10;
  static final int BIGGEST_DIRECTORIES = 20;

  private static final ObjectMapper MAPPER = StrictJson.mapper();

  private CatalogReader() {}

  static MirrorSummary read(Path catalog) throws IOException {
    Path imagesFile = catalog.resolve("images.jsonl");
    if (!Files.isRegularFile(imagesFile)) {
      throw new NoSuchFileException(imagesFile.toString(), null, "not a catalog: no images.jsonl (made by layerfs index --out)");
    }
    Map<String, LayerRow> layers = new HashMap<>();
    Path layersFile = catalog.resolve("layers.jsonl");
    if (Files.isRegularFile(layersFile)) {
      forEachLine(layersFile, n -> layers.put(n.path("digest").asText(), LayerRow.of(n)));
    }
    DirectoryTotals directories = new DirectoryTotals();
    List<ImageRow> images = new ArrayList<>();
    forEachLine(imagesFile, n -> {
      if (!n.path("artifact").asBoolean()) { // an artifact has no merged view
        images.add(ImageRow.of(n, largestFiles(mergedView(catalog, n.path("digest").asText()), directories)));
      }
    });
    images.sort(Comparator.comparing(ImageRow::ref).thenComparing(ImageRow::platform));
    Path run = catalog.resolve("run.json");
    Optional<JsonNode> runJson = Files.isRegularFile(run) ? Optional.of(MAPPER.readTree(run.toFile())) : Optional.empty();
    return new MirrorSummary(RunInfo.of(runJson), List.copyOf(images), Map.copyOf(layers),
        directories.biggest(BIGGEST_DIRECTORIES));
  }

  /** {@code merged/<alg>/<hex>.jsonl} of the image with manifest {@code digest}. */
  static Path mergedView(Path catalog, String digest) {
    int colon = digest.indexOf(':');
    return catalog.resolve("merged").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1) + ".jsonl");
  }

  /** The largest regular files of one merged view; each file's bytes also go to the directory totals. */
  private static List<FileSize> largestFiles(Path merged, DirectoryTotals directories) throws IOException {
    Largest largest = new Largest(LARGEST_FILES);
    if (Files.isRegularFile(merged)) {
      forEachLine(merged, n -> {
        if (n.path("type").asText().equals("file")) {
          String path = n.path("path").asText();
          long size = n.path("size").asLong();
          largest.offer(path, size);
          directories.addFile(path, size);
        }
      });
    }
    return largest.biggestFirst();
  }

  private interface RecordHandler {
    void accept(JsonNode record) throws IOException;
  }

  private static void forEachLine(Path file, RecordHandler handler) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int number = 0;
      for (String line; (line = in.readLine()) != null; ) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode record;
        try {
          record = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
          throw new IOException(file + ": line " + number + ": " + StrictJson.describe(e), e);
        }
        handler.accept(record);
      }
    }
  }
}
