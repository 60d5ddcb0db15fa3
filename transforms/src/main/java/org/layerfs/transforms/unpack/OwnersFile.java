package org.layerfs.transforms.unpack;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.layerfs.io.model.StrictJson;
import org.layerfs.transforms.catalog.FileEntryJson;

/**
 * The owners of a rootless unpack, one JSON line per entry ({@code {"path":..,"uid":..,"gid":..}},
 * path relative to the tree, with {@code pathBase64} when it is not UTF-8, as in the catalogs),
 * so that the tree can be re-owned later. Records may come from several threads: one line at a time.
 */
final class OwnersFile implements SafeTree.OwnerLog, Closeable {
  private static final ObjectMapper MAPPER = StrictJson.mapper();
  private final Writer out;

  OwnersFile(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
  }

  @Override
  public synchronized void record(String path, long uid, long gid) throws IOException {
    JsonGenerator g = MAPPER.getFactory().createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    FileEntryJson.writeName(g, "path", path);
    g.writeNumberField("uid", uid);
    g.writeNumberField("gid", gid);
    g.writeEndObject();
    g.flush();
    out.write('\n');
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
