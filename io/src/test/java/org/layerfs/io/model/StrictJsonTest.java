package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link StrictJson#read}'s tree, made without an ObjectMapper, against the mapper's own. */
class StrictJsonTest {
  private static final ObjectMapper DEFAULTS = new ObjectMapper();

  private static void sameTreeAsTheMapper(String doc) throws Exception {
    byte[] bytes = doc.getBytes(UTF_8);
    JsonNode expected = DEFAULTS.readTree(bytes);
    JsonNode read = StrictJson.read(bytes, "doc");
    assertEquals(expected, read, doc);
    assertEquals(expected.toString(), read.toString(), doc);
  }

  @Test
  void readsEveryKindOfValueAsTheMapperDoes() throws Exception {
    for (String doc : List.of(
        "{}", "[]", "\"text\"", "7", "-2147483649", "18446744073709551616", "1.5e300", "-0.0", "true", "false",
        "null", "{\"a\":[1,{\"b\":[[],{}]},null,\"\\u00e9\\n\"],\"c\":{\"d\":{\"e\":2.25}},\"f\":9223372036854775807}",
        "[1, 2147483648, 1e2, 0.1, \"x\", [true, false, null]]",
        "{\"a\":1} trailing words the mapper does not read")) {
      sameTreeAsTheMapper(doc);
    }
  }

  @Test
  void readsNestingAsDeepAsTheParserAllowsWithoutRecursion() throws Exception {
    sameTreeAsTheMapper("[{\"a\":".repeat(400) + "0" + "}]".repeat(400));
  }

  @Test
  void refusesAnEmptyDocumentAndBrokenJsonNamingWhatItRead() {
    String empty = assertThrows(ImageFormatException.class, () -> StrictJson.read(" ".getBytes(UTF_8), "doc X")).getMessage();
    assertTrue(empty.startsWith("doc X:") && empty.contains("empty, not JSON"), empty);
    for (String broken : List.of("{\"a\":", "[1,]", "{\"a\" 1}", "[1}")) {
      ImageFormatException e =
          assertThrows(ImageFormatException.class, () -> StrictJson.read(broken.getBytes(UTF_8), "doc X"), broken);
      assertTrue(e.getMessage().startsWith("doc X: malformed JSON"), broken + " -> " + e.getMessage());
    }
  }

  /**
   * Reading image JSON and making descriptors never loads {@code ObjectMapper}: its
   * initialisation lists every CLDR locale on Java 25, more than a no-op sync's own work. Checked
   * in a child JVM, which loads only what the reads need.
   */
  @Test
  void readingImageJsonLoadsNoObjectMapper() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(List.of(
            java, "-verbose:class", "-cp", System.getProperty("java.class.path"), Reader.class.getName()))
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    assertEquals(0, child.exitValue(), output);
    assertTrue(output.contains("com.fasterxml.jackson.databind.node.ObjectNode "), "class loading is logged");
    assertEquals(List.of(), output.lines().filter(l -> l.contains("com.fasterxml.jackson.databind.ObjectMapper ")).toList());
  }

  /** The child: reads an index, a manifest and a config, and writes a descriptor's tree. */
  public static final class Reader {
    public static void main(String[] args) throws Exception {
      String digest = "sha256:" + "1".repeat(64);
      String descriptor = "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":7}";
      ImageJson.Document index = ImageJson.parseManifestOrIndex(
          ("{\"schemaVersion\":2,\"manifests\":[" + descriptor + "]}").getBytes(UTF_8), "", "index");
      ImageJson.parseManifestOrIndex(("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
          + "\",\"config\":" + descriptor + ",\"layers\":[]}").getBytes(UTF_8), "", "manifest");
      ImageJson.parseConfig("{\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[]}}".getBytes(UTF_8), "config");
      ImageJson.toJson(index.index().orElseThrow().manifests().get(0));
    }
  }
}
