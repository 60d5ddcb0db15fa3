package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.layerfs.io.testing.ChildJvmClasses;

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
   * initialisation lists every CLDR locale on Java 25, more than a no-op sync's own work. Nor
   * {@code BigDecimal}, which Jackson's parser initialises and plain documents do not need
   * ({@link PlainJsonReader}). Checked in a child JVM, which loads only what the reads need.
   */
  @Test
  void readingImageJsonLoadsNeitherObjectMapperNorBigDecimal() throws Exception {
    assertEquals(List.of(), ChildJvmClasses.loadedOf(Reader.class,
        List.of("com.fasterxml.jackson.databind.ObjectMapper", "java.math.BigDecimal")));
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
