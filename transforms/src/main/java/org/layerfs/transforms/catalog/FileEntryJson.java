package org.layerfs.transforms.catalog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.collect.ImmutableSortedMap;
import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import java.util.TreeMap;
import org.layerfs.io.model.StrictJson;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The JSON Lines form of a {@link FileEntry}, as the catalogs ({@code files/}, {@code merged/})
 * and the layer cache hold it. Field names are documented in the README.
 */
public final class FileEntryJson {
  private static final JsonFactory FACTORY = StrictJson.factory();

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

  /** Parses one line written by {@link #write}; streaming, as merges read millions of lines. */
  public static FileEntry read(String line) throws IOException {
    FileEntry.Builder b = FileEntry.builder();
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object: " + line);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        p.nextToken();
        switch (field) {
          case "path" -> b.setPath(p.getText());
          case "type" -> b.setType(EntryType.fromLabel(p.getText()));
          case "mode" -> b.setMode(Integer.parseInt(p.getText(), 8));
          case "uid" -> b.setUid(p.getLongValue());
          case "gid" -> b.setGid(p.getLongValue());
          case "user" -> b.setUser(p.getText());
          case "group" -> b.setGroup(p.getText());
          case "size" -> b.setSize(p.getLongValue());
          case "mtime" -> b.setMtime(p.getLongValue());
          case "linkTarget" -> b.setLinkTarget(p.getText());
          case "sha256" -> b.setSha256(p.getText());
          case "devMajor" -> b.setDevMajor(p.getIntValue());
          case "devMinor" -> b.setDevMinor(p.getIntValue());
          case "xattrs" -> b.setXattrs(readMap(p));
          case "pax" -> b.setPax(readMap(p));
          case "whiteout" -> b.setWhiteout(p.getText());
          case "opaque" -> b.setOpaque(p.getBooleanValue());
          case "layer" -> b.setLayer(p.getText());
          default -> p.skipChildren(); // a field of a newer format: ignored
        }
      }
    } catch (JsonProcessingException e) {
      throw new IOException(StrictJson.describe(e) + ": " + line, e);
    }
    try {
      return b.build();
    } catch (IllegalStateException e) {
      throw new IOException("incomplete entry: " + line, e);
    }
  }

  private static ImmutableSortedMap<String, String> readMap(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return ImmutableSortedMap.of();
    }
    Map<String, String> map = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.getCurrentName();
      p.nextToken();
      map.put(key, p.getText());
    }
    return ImmutableSortedMap.copyOf(map);
  }
}
