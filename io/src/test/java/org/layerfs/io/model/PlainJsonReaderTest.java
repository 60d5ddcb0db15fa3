package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link PlainJsonReader}: the mapper's tree for the documents it reads, Jackson's for all others. */
class PlainJsonReaderTest {
  private static final ObjectMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final String MANIFEST = """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 1469,
                   "digest": "sha256:%s"},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 3623807,
                    "digest": "sha256:%s"}],
        "annotations": {"org.opencontainers.image.ref.name": "small", "empty": ""}
      }
      """.formatted("1".repeat(64), "2".repeat(64));

  @Test
  void readsPlainDocumentsAsTheMapperDoes() throws Exception {
    for (String doc : List.of(
        "{}", "[]", MANIFEST, " \t\r\n{ \"a\" : [ 1 , { } , [ ] ] }\n",
        "[0, -0, 7, -2147483648, 2147483647, 2147483648, -2147483649, 999999999999999999, -999999999999999999]",
        "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00\\ud800 \",\"plain\":\"a b\"}",
        "[true, false, null, {\"t\":true,\"f\":false,\"n\":null}]",
        "{\"a\":1} trailing words the mapper does not read", "[1]]",
        "[".repeat(PlainJsonReader.MAX_DEPTH) + "]".repeat(PlainJsonReader.MAX_DEPTH))) {
      Optional<JsonNode> read = PlainJsonReader.read(doc.getBytes(UTF_8));
      assertTrue(read.isPresent(), doc);
      JsonNode expected = STRICT.readTree(doc);
      assertEquals(expected, read.get(), doc);
      assertEquals(expected.toString(), read.get().toString(), doc);
    }
  }

  /** Each is either not plain or not JSON: read by Jackson through StrictJson, tree or refusal alike. */
  @Test
  void leavesEveryOtherDocumentToJackson() {
    for (String doc : List.of(
        "", "   ", "7", "\"text\"", "true", "[1.5]", "[1e2]", "[1E2]", "[-0.0]", "[01]", "[-]", "[- 1]", "[+1]",
        "[1234567890123456789]", "[-9223372036854775808]", "{\"a\":1,\"a\":2}", "{\"a\":{},\"b\":1,\"a\":null}",
        "[\"\u00e9\"]", "{\"\u00e9\":1}", "\ufeff[1]", "[\"\\x\"]", "[\"\\u00g0\"]", "[\"\\u00\"]", "[\"a\tb\"]",
        "[\"open", "[tru]", "[nul]", "[truex]", "[1 2]", "[1,]", "[,1]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[1}", "{\"a\":1]",
        "[1/* c */]", "[NaN]", "[1", "{", "[".repeat(PlainJsonReader.MAX_DEPTH + 1) + "]".repeat(PlainJsonReader.MAX_DEPTH + 1))) {
      byte[] bytes = doc.getBytes(UTF_8);
      assertEquals(Optional.empty(), PlainJsonReader.read(bytes), doc);
      JsonNode expected;
      try {
        expected = STRICT.readTree(bytes);
      } catch (Exception refused) {
        assertThrows(ImageFormatException.class, () -> StrictJson.read(bytes, "doc"), doc);
        continue;
      }
      if (expected.isMissingNode()) {
        assertThrows(ImageFormatException.class, () -> StrictJson.read(bytes, "doc"), doc);
      } else {
        assertEquals(expected, assertDoesNotFail(bytes), doc);
      }
    }
  }

  @Test
  void aKeyTwiceIsRefusedWithJacksonsWords() {
    String message = assertThrows(ImageFormatException.class,
        () -> StrictJson.read("{\"layers\":[],\"layers\":[]}".getBytes(UTF_8), "doc")).getMessage();
    assertTrue(message.contains("key \"layers\" twice in one object"), message);
  }

  private static JsonNode assertDoesNotFail(byte[] bytes) {
    try {
      return StrictJson.read(bytes, "doc");
    } catch (ImageFormatException e) {
      throw new AssertionError(new String(bytes, UTF_8) + " refused: " + e.getMessage(), e);
    }
  }
}
