package org.layerfs.transforms.unpack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import org.layerfs.io.concurrent.Results;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The cached catalogs of an image's layers, read for the plan: each layer's lines are read once
 * (the merger walks a layer twice, and reading the cache's iterator twice parsed every line twice)
 * and parsed in batches on one thread per core, the next layer's while the caller merges this one.
 * Parsing 60 000 lines of JSON was most of the main thread's CPU before anything was written.
 * Memory: the lines and entries of two layers at most, beside the merged view the caller keeps.
 */
final class CatalogLoader implements AutoCloseable {
  /** Lines parsed by one task: enough to outweigh handing them over. */
  private static final int BATCH = 2048;

  private final ExecutorService parsers;

  CatalogLoader() {
    parsers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
      Thread t = new Thread(r, "unpack-catalog");
      t.setDaemon(true);
      return t;
    });
  }

  /** A layer's catalog being parsed: its entries, in tar order, once every batch is done. */
  final class Pending {
    private final Path files;
    private final List<Future<List<FileEntry>>> batches = new ArrayList<>();

    private Pending(Path files) {
      this.files = files;
    }

    /** The layer's entries in tar order; throws the first batch's failure, naming the catalog. */
    List<FileEntry> entries() throws IOException {
      List<FileEntry> all = new ArrayList<>();
      for (Future<List<FileEntry>> batch : batches) {
        all.addAll(Results.get(batch, "reading " + files));
      }
      return all;
    }
  }

  /** Reads the lines of catalog {@code files} (JSON Lines, gzip) and starts parsing them. */
  Pending start(Path files) throws IOException {
    Pending pending = new Pending(files);
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(files), 1 << 16), StandardCharsets.UTF_8))) {
      List<String> lines = new ArrayList<>(BATCH);
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
        if (lines.size() == BATCH) {
          pending.batches.add(parse(lines));
          lines = new ArrayList<>(BATCH);
        }
      }
      if (!lines.isEmpty()) {
        pending.batches.add(parse(lines));
      }
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException("layer cache entry vanished: " + files, e);
    }
    return pending;
  }

  private Future<List<FileEntry>> parse(List<String> lines) {
    return parsers.submit(() -> {
      List<FileEntry> entries = new ArrayList<>(lines.size());
      for (String line : lines) {
        entries.add(FileEntryJson.read(line));
      }
      return entries;
    });
  }

  @Override
  public void close() {
    parsers.shutdownNow();
  }
}
