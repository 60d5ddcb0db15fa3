package org.layerfs.transforms.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The catalogs are parsed in batches on several threads: the entries must come back exactly in
 * the catalog's order (the merge depends on it: which occurrence of a path wins, whiteouts and
 * opaque markers of a layer against the entries of its own), and a bad line must fail the read.
 */
class CatalogLoaderTest {
  private static final String LAYER = "sha256:" + "ab".repeat(32);

  @TempDir Path dir;

  /** Entries over several batches: files, a path written again later in the tar, a whiteout, an opaque marker. */
  private static List<FileEntry> entries(int n) {
    List<FileEntry> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String path = "d" + (i % 97) + "/f" + i;
      all.add(FileEntry.builder().setPath(path).setType(EntryType.FILE).setMode(0644).setSize(i).setMtime(i).setLayer(LAYER).build());
      if (i % 1000 == 999) {
        all.add(FileEntry.builder().setPath("d0/f0").setType(EntryType.FILE).setMode(0600).setSize(i).setLayer(LAYER).build());
        all.add(FileEntry.builder().setPath("d1/.wh.f" + i).setType(EntryType.FILE).setWhiteout("d1/f" + i).setLayer(LAYER).build());
        all.add(FileEntry.builder().setPath("d2/.wh..wh..opq").setType(EntryType.FILE).setOpaque(true).setLayer(LAYER).build());
      }
    }
    return all;
  }

  private Path catalog(String name, List<FileEntry> entries, String extraLine) throws IOException {
    Path file = dir.resolve(name);
    try (Writer out = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.UTF_8)) {
      for (int i = 0; i < entries.size(); i++) {
        if (i == entries.size() / 2 && extraLine != null) {
          out.write(extraLine);
        }
        FileEntryJson.write(entries.get(i), out);
      }
    }
    return file;
  }

  @Test
  void entriesComeBackInCatalogOrderAcrossBatches() throws IOException {
    List<FileEntry> first = entries(10_000);
    List<FileEntry> second = entries(3);
    try (CatalogLoader loader = new CatalogLoader()) {
      CatalogLoader.Pending a = loader.start(catalog("a.jsonl.gz", first, null));
      CatalogLoader.Pending b = loader.start(catalog("b.jsonl.gz", second, null));
      assertEquals(second, b.entries());
      assertEquals(first, a.entries());
    }
  }

  @Test
  void anEmptyCatalogHasNoEntries() throws IOException {
    try (CatalogLoader loader = new CatalogLoader()) {
      assertEquals(List.of(), loader.start(catalog("empty.jsonl.gz", List.of(), null)).entries());
    }
  }

  @Test
  void aBadLineFailsTheRead() throws IOException {
    Path bad = catalog("bad.jsonl.gz", entries(5_000), "{\"path\": \"x\", \"type\": \"file\"\n");
    try (CatalogLoader loader = new CatalogLoader()) {
      CatalogLoader.Pending pending = loader.start(bad);
      IOException e = assertThrows(IOException.class, pending::entries);
      assertTrue(e.getMessage().contains("\"x\""), e.getMessage());
    }
  }
}
