package org.layerfs.transforms.catalog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableSortedMap;
import java.io.IOException;
import java.io.Writer;
import java.util.Iterator;
import java.util.Map;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The JSON Lines form of a {@link FileEntry}, as the catalogs ({@code files/}, {@code merged/})
 * and the layer cache hold it. Field names are documented in the README.
 */
public final class FileEntryJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private FileEntryJson() {}

  /** Writes one entry as one line (with its newline). */
  public static void write(FileEntry e, Writer out) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    g.writeStringField("path", e.path());
    g.writeStringField("type", e.type().label());
    g.writeStringField("mode", e.modeString());
    g.writeNumberField("uid", e.uid());
    g.writeNumberField("gid", e.gid());
    if (!e.user().isEmpty()) {
      g.writeStringField("user", e.user());
    }
    if (!e.group().isEmpty()) {
      g.writeStringField("group", e.group());
    }
    g.writeNumberField("size", e.size());
    g.writeNumberField("mtime", e.mtime());
    if (e.linkTarget().isPresent()) {
      g.writeStringField("linkTarget", e.linkTarget().get());
    }
    if (e.sha256().isPresent()) {
      g.writeStringField("sha256", e.sha256().get());
    }
    if (e.type() == EntryType.CHAR || e.type() == EntryType.BLOCK) {
      g.writeNumberField("devMajor", e.devMajor());
      g.writeNumberField("devMinor", e.devMinor());
    }
    writeMap(g, "xattrs", e.xattrs());
    writeMap(g, "pax", e.pax());
    if (e.whiteout().isPresent()) {
      g.writeStringField("whiteout", e.whiteout().get());
    }
    if (e.opaque()) {
      g.writeBooleanField("opaque", true);
    }
    g.writeStringField("layer", e.layer());
    g.writeEndObject();
    g.flush();
    out.write('\n');
  }

  private static void writeMap(JsonGenerator g, String field, Map<String, String> map) throws IOException {
    if (map.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, String> x : map.entrySet()) {
      g.writeStringField(x.getKey(), x.getValue());
    }
    g.writeEndObject();
  }

  /** Parses one line written by {@link #write}. */
  public static FileEntry read(String line) throws IOException {
    JsonNode n = MAPPER.readTree(line);
    FileEntry.Builder b =
        FileEntry.builder()
            .setPath(n.get("path").asText())
            .setType(EntryType.fromLabel(n.get("type").asText()))
            .setMode(Integer.parseInt(n.get("mode").asText(), 8))
            .setUid(n.get("uid").asLong())
            .setGid(n.get("gid").asLong())
            .setUser(n.path("user").asText(""))
            .setGroup(n.path("group").asText(""))
            .setSize(n.get("size").asLong())
            .setMtime(n.get("mtime").asLong())
            .setDevMajor(n.path("devMajor").asInt(0))
            .setDevMinor(n.path("devMinor").asInt(0))
            .setXattrs(readMap(n.get("xattrs")))
            .setPax(readMap(n.get("pax")))
            .setOpaque(n.path("opaque").asBoolean(false))
            .setLayer(n.get("layer").asText());
    if (n.has("linkTarget")) {
      b.setLinkTarget(n.get("linkTarget").asText());
    }
    if (n.has("sha256")) {
      b.setSha256(n.get("sha256").asText());
    }
    if (n.has("whiteout")) {
      b.setWhiteout(n.get("whiteout").asText());
    }
    return b.build();
  }

  private static ImmutableSortedMap<String, String> readMap(JsonNode node) {
    if (node == null || !node.isObject()) {
      return ImmutableSortedMap.of();
    }
    ImmutableSortedMap.Builder<String, String> b = ImmutableSortedMap.naturalOrder();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> x = it.next();
      b.put(x.getKey(), x.getValue().asText());
    }
    return b.build();
  }
}
