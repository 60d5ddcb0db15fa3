package org.layerfs.pipeline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** One {@code layerfs index} run in this JVM, and readers for the catalog it wrote. */
public final class IndexRun {
  public final Path out;
  public final Path cache;
  public final Path report;
  public final Cli.Result result;

  private IndexRun(Path out, Path cache, Path report, Cli.Result result) {
    this.out = out;
    this.cache = cache;
    this.report = report;
    this.result = result;
  }

  /**
   * Runs {@code layerfs index REFS... --out OUT --cache-dir CACHE --report OUT/../<name>.report.json
   * EXTRA...}; the report is written beside (not inside) the output directory.
   */
  public static IndexRun run(Path out, Path cache, List<String> refs, String... extra) {
    Path report = out.resolveSibling(out.getFileName() + ".report.json");
    List<String> argv = new ArrayList<>();
    argv.add("index");
    argv.addAll(refs);
    argv.addAll(List.of("--out", out.toString(), "--cache-dir", cache.toString(), "--report", report.toString()));
    argv.addAll(List.of(extra));
    return new IndexRun(out, cache, report, Cli.run(argv));
  }

  /** The records of {@code images.jsonl} (none when the file is missing). */
  public List<JsonNode> images() {
    Path f = out.resolve("images.jsonl");
    return Files.exists(f) ? Jsonl.read(f) : List.of();
  }

  /** The records of {@code layers.jsonl} (none when the file is missing). */
  public List<JsonNode> layers() {
    Path f = out.resolve("layers.jsonl");
    return Files.exists(f) ? Jsonl.read(f) : List.of();
  }

  /** {@code layers.jsonl} by layer digest. */
  public Map<String, JsonNode> layersByDigest() {
    return layers().stream().collect(Collectors.toMap(n -> n.get("digest").asText(), n -> n));
  }

  /** The {@code --report} document. */
  public JsonNode report() {
    return Jsonl.readDocument(report);
  }

  /** The images.jsonl records whose {@code ref} is {@code ref}. */
  public List<JsonNode> imagesWithRef(String ref) {
    return images().stream().filter(n -> n.path("ref").asText().equals(ref)).toList();
  }

  /** The single images.jsonl record whose {@code ref} is {@code ref}. */
  public JsonNode image(String ref) {
    List<JsonNode> found = imagesWithRef(ref);
    assertEquals(1, found.size(), () -> "images.jsonl records for " + ref + " in " + images());
    return found.get(0);
  }

  /** The layer digests of an images.jsonl record, in order. */
  public static List<String> layerDigests(JsonNode image) {
    List<String> out = new ArrayList<>();
    image.get("layers").forEach(l -> out.add(l.asText()));
    return out;
  }

  public Path filesPath(String digest) {
    return out.resolve("files").resolve(algorithm(digest)).resolve(hex(digest) + ".jsonl.gz");
  }

  public Path mergedPath(String manifestDigest) {
    return out.resolve("merged").resolve(algorithm(manifestDigest)).resolve(hex(manifestDigest) + ".jsonl");
  }

  /** A layer's records in {@code files/}, in tar order. */
  public List<JsonNode> files(String layerDigest) {
    return Jsonl.read(filesPath(layerDigest));
  }

  /** An image's merged view, in file order. */
  public List<JsonNode> merged(String manifestDigest) {
    return Jsonl.read(mergedPath(manifestDigest));
  }

  /** An image's merged view by path; fails when a path occurs twice. */
  public Map<String, JsonNode> mergedByPath(String manifestDigest) {
    Map<String, JsonNode> byPath = new LinkedHashMap<>();
    for (JsonNode n : merged(manifestDigest)) {
      assertNull(byPath.put(n.get("path").asText(), n), () -> "path twice in merged view: " + n);
    }
    return byPath;
  }

  public static String algorithm(String digest) {
    return digest.substring(0, digest.indexOf(':'));
  }

  public static String hex(String digest) {
    return digest.substring(digest.indexOf(':') + 1);
  }
}
