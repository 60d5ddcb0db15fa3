package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.layerfs.io.oci.OciLayoutDestination;
import org.layerfs.io.testing.ChildJvmClasses;

/** {@link JsonTreeWriter#bytes}, byte for byte against the mapper's own writing. */
class JsonTreeWriterTest {
  private static final ObjectMapper DEFAULTS = new ObjectMapper();

  private static void sameBytesAsTheMapper(JsonNode tree) throws Exception {
    assertArrayEquals(DEFAULTS.writeValueAsBytes(tree), JsonTreeWriter.bytes(tree), tree::toString);
  }

  @Test
  void writesParsedDocumentsAsTheMapperDoes() throws Exception {
    for (String doc : List.of(
        "{}", "[]", "\"text\"", "7", "-2147483649", "18446744073709551616", "1.5e300", "-0.0", "0.1", "true", "false", "null",
        "{\"a\":[1,{\"b\":[[],{}]},null,\"\\u00e9\\n\\t\\\"\\\\/\\u0001\\u2028 \\ud83d\\ude00\"],\"c\":{\"d\":{\"e\":2.25}},\"f\":9223372036854775807}",
        "{\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1 <&> é\"},\"size\":123456789012}")) {
      sameBytesAsTheMapper(StrictJson.read(doc.getBytes(UTF_8), "doc"));
    }
  }

  @Test
  void writesBuiltTreesAsTheMapperDoes() throws Exception {
    ObjectNode built = JsonNodeFactory.instance.objectNode();
    built.put("int", 3).put("long", 1L << 40).put("float", 1.25f).put("double", 1e-7).put("text", "x\u0000y");
    built.put("big", new BigInteger("123456789012345678901234567890")).put("decimal", new BigDecimal("1.50"));
    built.putArray("empty");
    built.putNull("nothing");
    built.putObject("nested").putArray("list").add(true).add("two").addObject().put("three", 3);
    sameBytesAsTheMapper(built);
  }

  /**
   * Writing an index.json never loads {@code ObjectMapper}. Checked in a child JVM, which loads only
   * what the write needs.
   */
  @Test
  void writingALayoutsIndexLoadsNoObjectMapper() throws Exception {
    assertEquals(List.of(), ChildJvmClasses.loadedOf(Writer.class, List.of("com.fasterxml.jackson.databind.ObjectMapper")));
  }

  /** The child: tags an (empty) index in a new layout, which writes its index.json. */
  public static final class Writer {
    public static void main(String[] args) throws Exception {
      Path dir = Files.createTempDirectory("json-tree-writer");
      byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}").getBytes(UTF_8);
      Descriptor d = Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(manifest), manifest.length);
      OciLayoutDestination.at(dir).putManifest(d, manifest, Optional.of("latest"));
      String index = Files.readString(dir.resolve("index.json"));
      MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
      if (!index.contains("\"latest\"")) {
        throw new AssertionError("index.json does not name the tag: " + index);
      }
    }
  }
}
