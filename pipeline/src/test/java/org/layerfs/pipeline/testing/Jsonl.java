package org.layerfs.pipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads the catalogs' JSON Lines files, gzip-compressed ({@code .gz}) or not. */
public final class Jsonl {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Jsonl() {}

  /** The non-blank lines of {@code file}, decompressed when its name ends in {@code .gz}. */
  public static List<String> lines(Path file) {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      List<String> lines = new ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          lines.add(line);
        }
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One JSON object per line of {@code file}. */
  public static List<JsonNode> read(Path file) {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : lines(file)) {
      nodes.add(parse(line));
    }
    return nodes;
  }

  public static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  /** A whole JSON document (such as a {@code --report} file). */
  public static JsonNode readDocument(Path file) {
    try {
      return MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
