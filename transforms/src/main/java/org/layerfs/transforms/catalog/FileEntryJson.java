package org.layerfs.transforms.catalog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.Maps;
import com.google.common.io.BaseEncoding;
import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.layerfs.io.model.StrictJson;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.TarNames;

/**
 * The JSON Lines form of a {@link FileEntry}, as the catalogs ({@code files/}, {@code merged/})
 * and the layer cache hold it. Field names are documented in the README.
 *
 * <p>Names are bytes ({@link TarNames}) and JSON is text: {@code path}, {@code linkTarget},
 * {@code whiteout}, {@code user} and {@code group} are readable (U+FFFD for a byte that is not
 * UTF-8), and when the name is not UTF-8 its exact bytes are in {@code pathBase64}, {@code
 * linkTargetBase64}, {@code whiteoutBase64}, {@code userBase64}, {@code groupBase64}, which win
 * on reading. An xattr with a UTF-8 name is in {@code xattrs} when its value is UTF-8 too, in
 * {@code xattrsBase64} (value in base64) otherwise; one whose name is not UTF-8 is in {@code
 * xattrsByNameBase64}, name and value in base64.
 */
public final class FileEntryJson {
  private static final JsonFactory FACTORY = StrictJson.factory();
  private static final String BASE64 = "Base64";
  private static final String XATTRS_BY_NAME_BASE64 = "xattrsByNameBase64";
  private static final BaseEncoding BASE64_CODEC = BaseEncoding.base64();

  private FileEntryJson() {}

  /** Writes one entry as one line (with its newline). */
  public static void write(FileEntry e, Writer out) throws IOException {
    JsonGenerator g = FACTORY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    writeName(g, "path", e.path());
    g.writeStringField("type", e.type().label());
    g.writeStringField("mode", e.modeString());
    g.writeNumberField("uid", e.uid());
    g.writeNumberField("gid", e.gid());
    if (!e.user().isEmpty()) {
      writeName(g, "user", e.user());
    }
    if (!e.group().isEmpty()) {
      writeName(g, "group", e.group());
    }
    g.writeNumberField("size", e.size());
    g.writeNumberField("mtime", e.mtime());
    if (e.linkTarget().isPresent()) {
      writeName(g, "linkTarget", e.linkTarget().get());
    }
    if (e.sha256().isPresent()) {
      g.writeStringField("sha256", e.sha256().get());
    }
    if (e.type() == EntryType.CHAR || e.type() == EntryType.BLOCK) {
      g.writeNumberField("devMajor", e.devMajor());
      g.writeNumberField("devMinor", e.devMinor());
    }
    Map<String, String> utf8Names = Maps.filterKeys(e.xattrs(), TarNames::isUtf8);
    writeMap(g, "xattrs", Maps.filterValues(utf8Names, TarNames::isUtf8));
    writeBase64Map(g, "xattrsBase64", Maps.filterValues(utf8Names, v -> !TarNames.isUtf8(v)));
    writeBase64Names(g, Maps.filterKeys(e.xattrs(), n -> !TarNames.isUtf8(n)));
    writeMap(g, "pax", e.pax());
    if (e.whiteout().isPresent()) {
      writeName(g, "whiteout", e.whiteout().get());
    }
    if (e.opaque()) {
      g.writeBooleanField("opaque", true);
    }
    g.writeStringField("layer", e.layer());
    g.writeEndObject();
    g.flush();
    out.write('\n');
  }

  /**
   * Writes name {@code field} as the catalogs do: readable, and {@code fieldBase64} with the exact
   * bytes when they are not UTF-8. Every JSON file that holds names writes them this way.
   */
  public static void writeName(JsonGenerator g, String field, String name) throws IOException {
    g.writeStringField(field, TarNames.display(name));
    if (!TarNames.isUtf8(name)) {
      g.writeStringField(field + BASE64, BASE64_CODEC.encode(TarNames.encode(name)));
    }
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

  private static void writeBase64Map(JsonGenerator g, String field, Map<String, String> map) throws IOException {
    if (map.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, String> x : map.entrySet()) {
      g.writeStringField(x.getKey(), BASE64_CODEC.encode(TarNames.encode(x.getValue())));
    }
    g.writeEndObject();
  }

  /** Xattrs whose name is not UTF-8: shown as text, two such names could be one JSON key. */
  private static void writeBase64Names(JsonGenerator g, Map<String, String> map) throws IOException {
    if (map.isEmpty()) {
      return;
    }
    g.writeObjectFieldStart(XATTRS_BY_NAME_BASE64);
    for (Map.Entry<String, String> x : map.entrySet()) {
      g.writeStringField(BASE64_CODEC.encode(TarNames.encode(x.getKey())), BASE64_CODEC.encode(TarNames.encode(x.getValue())));
    }
    g.writeEndObject();
  }

  /** Parses one line written by {@link #write}; streaming, as merges read millions of lines. */
  public static FileEntry read(String line) throws IOException {
    FileEntry.Builder b = FileEntry.builder();
    Map<String, String> xattrs = new TreeMap<>();
    String path = null;
    String linkTarget = null;
    String whiteout = null;
    String user = null;
    String group = null;
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object: " + line);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.getCurrentName();
        p.nextToken();
        switch (field) {
          case "path" -> path = path != null ? path : p.getText();
          case "pathBase64" -> path = fromBase64(p.getText(), line);
          case "type" -> b.setType(EntryType.fromLabel(p.getText()));
          case "mode" -> b.setMode(Integer.parseInt(p.getText(), 8));
          case "uid" -> b.setUid(p.getLongValue());
          case "gid" -> b.setGid(p.getLongValue());
          case "user" -> user = user != null ? user : p.getText();
          case "userBase64" -> user = fromBase64(p.getText(), line);
          case "group" -> group = group != null ? group : p.getText();
          case "groupBase64" -> group = fromBase64(p.getText(), line);
          case "size" -> b.setSize(p.getLongValue());
          case "mtime" -> b.setMtime(p.getLongValue());
          case "linkTarget" -> linkTarget = linkTarget != null ? linkTarget : p.getText();
          case "linkTargetBase64" -> linkTarget = fromBase64(p.getText(), line);
          case "sha256" -> b.setSha256(p.getText());
          case "devMajor" -> b.setDevMajor(p.getIntValue());
          case "devMinor" -> b.setDevMinor(p.getIntValue());
          case "xattrs" -> xattrs.putAll(readMap(p));
          case "xattrsBase64" -> {
            for (Map.Entry<String, String> x : readMap(p).entrySet()) {
              xattrs.put(x.getKey(), fromBase64(x.getValue(), line));
            }
          }
          case XATTRS_BY_NAME_BASE64 -> {
            for (Map.Entry<String, String> x : readMap(p).entrySet()) {
              xattrs.put(fromBase64(x.getKey(), line), fromBase64(x.getValue(), line));
            }
          }
          case "pax" -> b.setPax(readMap(p));
          case "whiteout" -> whiteout = whiteout != null ? whiteout : p.getText();
          case "whiteoutBase64" -> whiteout = fromBase64(p.getText(), line);
          case "opaque" -> b.setOpaque(p.getBooleanValue());
          case "layer" -> b.setLayer(p.getText());
          default -> p.skipChildren(); // a field of a newer format: ignored
        }
      }
    } catch (JsonProcessingException e) {
      throw new IOException(StrictJson.describe(e) + ": " + line, e);
    }
    if (path != null) {
      b.setPath(path);
    }
    if (user != null) {
      b.setUser(user);
    }
    if (group != null) {
      b.setGroup(group);
    }
    b.setLinkTarget(Optional.ofNullable(linkTarget)).setWhiteout(Optional.ofNullable(whiteout));
    b.setXattrs(ImmutableSortedMap.copyOf(xattrs));
    try {
      return b.build();
    } catch (IllegalStateException e) {
      throw new IOException("incomplete entry: " + line, e);
    }
  }

  /** Puts name {@code field} into {@code json} as {@link #writeName} writes it. */
  public static void putName(ObjectNode json, String field, String name) {
    json.put(field, TarNames.display(name));
    if (!TarNames.isUtf8(name)) {
      json.put(field + BASE64, BASE64_CODEC.encode(TarNames.encode(name)));
    }
  }

  /** The name {@link #writeName} wrote as {@code field} of {@code json}; null when absent. */
  public static String readName(JsonNode json, String field) throws IOException {
    JsonNode base64 = json.get(field + BASE64);
    if (base64 != null) {
      return fromBase64(base64.asText(), json.toString());
    }
    JsonNode text = json.get(field);
    return text == null ? null : text.asText();
  }

  /** A name's exact bytes, in their String form; the base64 field follows its readable one. */
  private static String fromBase64(String base64, String line) throws IOException {
    try {
      return TarNames.decode(BASE64_CODEC.decode(base64));
    } catch (IllegalArgumentException e) {
      throw new IOException("bad base64 \"" + base64 + "\" in: " + line, e);
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
