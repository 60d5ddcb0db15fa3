package org.layerfs.transforms.catalog;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.io.BaseEncoding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import org.junit.jupiter.api.Test;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.TarNames;

/** Names and xattr values that are not UTF-8: valid JSON, readable, and lossless. */
class FileEntryJsonNamesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final byte[] LATIN1 = "caf\u00e9".getBytes(ISO_8859_1);
  private static final byte[] BINARY = {(byte) 0xde, (byte) 0xad, 0x00, (byte) 0xef};

  private static FileEntry entry() {
    String name = TarNames.decode(LATIN1);
    return FileEntry.builder()
        .setPath("dir/" + name)
        .setType(EntryType.SYMLINK)
        .setLinkTarget("../" + name)
        .setWhiteout("dir/" + name)
        .setXattrs(ImmutableSortedMap.of("user.bin", TarNames.decode(BINARY), "user.text", "h\u00e9"))
        .setLayer("sha256:" + "cd".repeat(32))
        .build();
  }

  /** Written as a catalog file is: bytes through a UTF-8 writer, so nothing lone can hide. */
  private static byte[] written(FileEntry e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Writer out = new OutputStreamWriter(bytes, UTF_8)) {
      FileEntryJson.write(e, out);
    }
    return bytes.toByteArray();
  }

  @Test
  void readableNamesWithExactBytesBeside() throws IOException {
    JsonNode json = MAPPER.readTree(written(entry()));
    assertEquals("dir/caf\uFFFD", json.get("path").asText());
    assertEquals(BaseEncoding.base64().encode("dir/caf\u00e9".getBytes(ISO_8859_1)), json.get("pathBase64").asText());
    assertEquals("../caf\uFFFD", json.get("linkTarget").asText());
    assertEquals(BaseEncoding.base64().encode("../caf\u00e9".getBytes(ISO_8859_1)), json.get("linkTargetBase64").asText());
    assertEquals(BaseEncoding.base64().encode("dir/caf\u00e9".getBytes(ISO_8859_1)), json.get("whiteoutBase64").asText());
    assertEquals("h\u00e9", json.get("xattrs").get("user.text").asText());
    assertFalse(json.get("xattrs").has("user.bin"));
    assertEquals(BaseEncoding.base64().encode(BINARY), json.get("xattrsBase64").get("user.bin").asText());
  }

  @Test
  void ownerNamesAndXattrNamesThatAreNotUtf8AreLossless() throws IOException {
    byte[] first = {'u', 's', 'e', 'r', '.', (byte) 0xe9};
    byte[] second = {'u', 's', 'e', 'r', '.', (byte) 0xff}; // shown alike: both "user.\uFFFD"
    FileEntry e = FileEntry.builder()
        .setPath("f")
        .setType(EntryType.FILE)
        .setUser(TarNames.decode(LATIN1))
        .setGroup(TarNames.decode(BINARY))
        .setXattrs(ImmutableSortedMap.of(TarNames.decode(first), "one", TarNames.decode(second), TarNames.decode(BINARY), "user.text", "t"))
        .setLayer("l")
        .build();
    JsonNode json = MAPPER.readTree(written(e));

    assertEquals("caf\uFFFD", json.get("user").asText());
    assertEquals(BaseEncoding.base64().encode(LATIN1), json.get("userBase64").asText());
    assertEquals(BaseEncoding.base64().encode(BINARY), json.get("groupBase64").asText());
    JsonNode byName = json.get("xattrsByNameBase64");
    assertEquals(BaseEncoding.base64().encode("one".getBytes(UTF_8)), byName.get(BaseEncoding.base64().encode(first)).asText());
    assertEquals(BaseEncoding.base64().encode(BINARY), byName.get(BaseEncoding.base64().encode(second)).asText());
    assertEquals(1, json.get("xattrs").size(), json::toString);
    assertFalse(json.has("xattrsBase64"), json::toString);
    assertEquals(e, FileEntryJson.read(new String(written(e), UTF_8).trim()));
  }

  @Test
  void utf8NamesHaveNoBase64Fields() throws IOException {
    FileEntry e = FileEntry.builder().setPath("caf\u00e9").setType(EntryType.FILE).setLayer("l").build();
    JsonNode json = MAPPER.readTree(written(e));
    assertEquals("caf\u00e9", json.get("path").asText());
    assertFalse(json.has("pathBase64"));
    assertFalse(json.has("xattrsBase64"));
  }

  @Test
  void roundTripsExactly() throws IOException {
    FileEntry e = entry();
    assertEquals(e, FileEntryJson.read(new String(written(e), UTF_8).trim()));
  }

  @Test
  void base64WinsWhicheverComesFirst() throws IOException {
    String line = "{\"pathBase64\":\"" + BaseEncoding.base64().encode(LATIN1) + "\",\"path\":\"caf\uFFFD\",\"type\":\"file\",\"layer\":\"l\"}";
    assertEquals(TarNames.decode(LATIN1), FileEntryJson.read(line).path());
  }
}
