package org.layerfs.transforms.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableSortedMap;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

class FileEntryJsonTest {
  private static final String LAYER = "sha256:" + "cd".repeat(32);
  private static final String SHA = "ef".repeat(32);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Every field set (devices are written for char and block entries). */
  private static FileEntry everything() {
    return FileEntry.builder()
        .setPath("dev/données/ttyS0")
        .setType(EntryType.CHAR)
        .setMode(04755)
        .setUid(3_000_000_000L)
        .setGid(2_097_152L)
        .setUser("alice")
        .setGroup("wheel")
        .setSize(42)
        .setMtime(1234567890L)
        .setLinkTarget("../target")
        .setSha256(SHA)
        .setDevMajor(4)
        .setDevMinor(64)
        .setXattrs(ImmutableSortedMap.of("user.x", "fixture", "security.selinux", "system_u:object_r:x:s0"))
        .setPax(ImmutableSortedMap.of("LAYERFS.note", "kept", "comment", "a \"quoted\"\nline"))
        .setWhiteout("dev/old")
        .setOpaque(true)
        .setLayer(LAYER)
        .build();
  }

  private static String write(FileEntry e) throws IOException {
    StringWriter out = new StringWriter();
    FileEntryJson.write(e, out);
    return out.toString();
  }

  private static FileEntry roundTrip(FileEntry e) throws IOException {
    String line = write(e);
    assertTrue(line.endsWith("\n"), "one line with its newline");
    assertEquals(1, line.split("\n", -1).length - 1, "exactly one newline: " + line);
    return FileEntryJson.read(line.substring(0, line.length() - 1));
  }

  private static Set<String> fieldNames(String line) throws IOException {
    Set<String> names = new TreeSet<>();
    MAPPER.readTree(line).fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void everyFieldRoundTrips() throws IOException {
    assertEquals(everything(), roundTrip(everything()));
  }

  @Test
  void writtenFieldNamesAreTheDocumentedOnes() throws IOException {
    assertEquals(
        new TreeSet<>(List.of(
            "path", "type", "mode", "uid", "gid", "user", "group", "size", "mtime", "linkTarget", "sha256",
            "devMajor", "devMinor", "xattrs", "pax", "whiteout", "opaque", "layer")),
        fieldNames(write(everything())));
  }

  @Test
  void writtenValues() throws IOException {
    JsonNode n = MAPPER.readTree(write(everything()));
    assertEquals("dev/données/ttyS0", n.get("path").asText());
    assertEquals("char", n.get("type").asText());
    assertTrue(n.get("mode").isTextual(), "mode is a string");
    assertEquals("4755", n.get("mode").asText());
    assertEquals(3_000_000_000L, n.get("uid").asLong());
    assertTrue(n.get("uid").isIntegralNumber());
    assertEquals(2_097_152L, n.get("gid").asLong());
    assertEquals("alice", n.get("user").asText());
    assertEquals("wheel", n.get("group").asText());
    assertEquals(42, n.get("size").asLong());
    assertEquals(1234567890L, n.get("mtime").asLong());
    assertEquals("../target", n.get("linkTarget").asText());
    assertEquals(SHA, n.get("sha256").asText());
    assertEquals(4, n.get("devMajor").asInt());
    assertEquals(64, n.get("devMinor").asInt());
    assertEquals("fixture", n.get("xattrs").get("user.x").asText());
    assertEquals("a \"quoted\"\nline", n.get("pax").get("comment").asText());
    assertEquals("dev/old", n.get("whiteout").asText());
    assertTrue(n.get("opaque").asBoolean());
    assertEquals(LAYER, n.get("layer").asText());
  }

  @Test
  void modeIsAlwaysFourOctalDigits() throws IOException {
    for (int mode : new int[] {0, 0644, 0755, 01777, 02755, 04755, 07777}) {
      FileEntry e = FileEntry.builder().setPath("f").setType(EntryType.FILE).setMode(mode).build();
      String written = MAPPER.readTree(write(e)).get("mode").asText();
      assertEquals(String.format("%04o", mode), written);
      assertEquals(4, written.length());
      assertEquals(mode, roundTrip(e).mode());
    }
  }

  @Test
  void minimalFileOmitsAbsentFields() throws IOException {
    FileEntry e =
        FileEntry.builder().setPath("a.txt").setType(EntryType.FILE).setMode(0644).setSize(3).setSha256(SHA).setLayer(LAYER).build();
    assertEquals(
        new TreeSet<>(List.of("path", "type", "mode", "uid", "gid", "size", "mtime", "sha256", "layer")),
        fieldNames(write(e)));
    assertEquals(e, roundTrip(e));
  }

  @Test
  void whiteoutMarker() throws IOException {
    FileEntry e = FileEntry.builder().setPath("dir/.wh.foo").setType(EntryType.FILE).setWhiteout("dir/foo").setLayer(LAYER).build();
    JsonNode n = MAPPER.readTree(write(e));
    assertEquals("dir/foo", n.get("whiteout").asText());
    assertFalse(n.has("opaque"));
    assertEquals("0000", n.get("mode").asText());
    assertEquals(e, roundTrip(e));
  }

  @Test
  void opaqueMarker() throws IOException {
    FileEntry e = FileEntry.builder().setPath("dir/.wh..wh..opq").setType(EntryType.FILE).setOpaque(true).setLayer(LAYER).build();
    JsonNode n = MAPPER.readTree(write(e));
    assertTrue(n.get("opaque").isBoolean() && n.get("opaque").asBoolean());
    assertFalse(n.has("whiteout"));
    assertEquals(e, roundTrip(e));
  }

  @Test
  void blockDeviceRoundTrips() throws IOException {
    FileEntry e = FileEntry.builder().setPath("dev/sda").setType(EntryType.BLOCK).setMode(0660).setDevMajor(8).setDevMinor(0).build();
    JsonNode n = MAPPER.readTree(write(e));
    assertEquals(8, n.get("devMajor").asInt());
    assertEquals(0, n.get("devMinor").asInt());
    assertEquals(e, roundTrip(e));
  }

  @Test
  void devicesOnlyForDevices() throws IOException {
    FileEntry fifo = FileEntry.builder().setPath("p").setType(EntryType.FIFO).build();
    Set<String> names = fieldNames(write(fifo));
    assertFalse(names.contains("devMajor") || names.contains("devMinor"), names.toString());
    assertEquals(fifo, roundTrip(fifo));
  }

  @Test
  void symlinkAndHardlink() throws IOException {
    FileEntry sym = FileEntry.builder().setPath("l").setType(EntryType.SYMLINK).setMode(0777).setLinkTarget("/etc/config.txt").build();
    FileEntry hard =
        FileEntry.builder().setPath("h").setType(EntryType.HARDLINK).setMode(0644).setLinkTarget("a/b").setSize(5).setSha256(SHA).build();
    assertEquals(sym, roundTrip(sym));
    assertEquals(hard, roundTrip(hard));
    assertFalse(fieldNames(write(sym)).contains("sha256"));
  }

  @ParameterizedTest
  @EnumSource(EntryType.class)
  void everyTypeRoundTripsByLabel(EntryType type) throws IOException {
    FileEntry e = FileEntry.builder().setPath("x").setType(type).build();
    assertEquals(type.label(), MAPPER.readTree(write(e)).get("type").asText());
    assertEquals(type, roundTrip(e).type());
  }

  @Test
  void namesWithNewlinesAndControlCharactersStayOnOneLine() throws IOException {
    FileEntry e = FileEntry.builder().setPath("odd\nname\t\u0001é").setType(EntryType.FILE).build();
    assertEquals(e, roundTrip(e));
  }

  @Test
  void manyEntriesAreJsonLines() throws IOException {
    StringWriter out = new StringWriter();
    List<FileEntry> in = List.of(everything(), FileEntry.builder().setPath("b").setType(EntryType.DIR).setMode(0755).build());
    for (FileEntry e : in) {
      FileEntryJson.write(e, out);
    }
    List<FileEntry> back = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      back.add(FileEntryJson.read(line));
    }
    assertEquals(in, back);
  }

  @Test
  void unknownTypeIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FileEntryJson.read("{\"path\":\"a\",\"type\":\"socket\",\"mode\":\"0644\",\"uid\":0,\"gid\":0,\"size\":0,\"mtime\":0,\"layer\":\"\"}"));
  }

  @Test
  void malformedLineIsRefused() {
    assertThrows(IOException.class, () -> FileEntryJson.read("{\"path\":"));
  }

  @Test
  void aLineWithAFieldTwiceIsRefusedNamingIt() {
    String line = "{\"path\":\"etc/passwd\",\"type\":\"file\",\"path\":\"etc/shadow\"}";
    IOException e = assertThrows(IOException.class, () -> FileEntryJson.read(line));
    assertTrue(e.getMessage().startsWith("key \"path\" twice"), e.getMessage());
  }
}
