package org.layerfs.transforms.layer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.io.BaseEncoding;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Compression;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The persistent, content-addressed layer index cache: {@code layers/v1/<alg>/<hex>/} holds a
 * layer's {@code summary.json} and {@code files.jsonl.gz}. An entry is keyed by the layer digest
 * and the format version, so it never goes stale; it is written into a temporary sibling and
 * renamed into place whole, and the summary records the files' sha256, so a damaged entry is
 * detected on lookup and removed.
 */
public final class LayerCache {
  /** Bump when the entry format changes: old entries are then simply not found. */
  public static final int FORMAT_VERSION = 2;

  private static final String SUMMARY = "summary.json";
  private static final String FILES = "files.jsonl.gz";
  private static final String SUMMARY_SHA256 = "summarySha256";
  private static final String TEMPORARY_PREFIX = ".tmp-";
  /** How long a temporary entry stays untouched before it counts as a killed writer's. */
  static final Duration ABANDONED = Duration.ofHours(1);

  private final Path root;

  public LayerCache(Path root) {
    this.root = root.resolve("layers").resolve("v" + FORMAT_VERSION);
  }

  /** What a lookup found. */
  public enum Status {
    HIT,
    MISS,
    DAMAGED
  }

  /** A lookup's status, and the summary on a hit. */
  public record Lookup(Status status, Optional<LayerSummary> summary) {}

  private Path entryDir(Digest digest) {
    return root.resolve(digest.algorithm()).resolve(digest.hex());
  }

  /** The catalog of a cached layer's entries: JSON Lines, gzip-compressed. */
  public Path filesPath(Digest digest) {
    return entryDir(digest).resolve(FILES);
  }

  /** Finds a layer's entry; a damaged one is removed and reported, never trusted. */
  public Lookup lookup(Digest digest) throws IOException {
    Lookup found = check(digest);
    if (found.status() == Status.DAMAGED) {
      MoreFiles.deleteRecursively(entryDir(digest), RecursiveDeleteOption.ALLOW_INSECURE);
    }
    return found;
  }

  /**
   * The layer's summary when its entry is whole and of the compression its media type declares, as
   * the pipeline would take it: what lets a warm index or unpack go without reading the layer. A
   * foreign (non-distributable) layer is never taken from the cache.
   */
  public Optional<LayerSummary> usable(Descriptor layer) {
    Optional<Compression> declared = MediaTypes.layerCompression(layer.mediaType());
    if (layer.isNonDistributable() || declared.isEmpty()) {
      return Optional.empty();
    }
    return check(layer.digest()).summary().filter(s -> s.compression().equals(declared.get().label()));
  }

  /** Finds a layer's entry as {@link #lookup} does, but leaves a damaged one where it is. */
  public Lookup check(Digest digest) {
    Path dir = entryDir(digest);
    if (!Files.isDirectory(dir)) {
      return new Lookup(Status.MISS, Optional.empty());
    }
    try {
      JsonNode summary = ImageJson.tree(Files.readAllBytes(dir.resolve(SUMMARY)), dir + "/" + SUMMARY);
      LayerSummary s = LayerSummary.fromJson(summary);
      ObjectNode unsealed = ((ObjectNode) summary).deepCopy();
      JsonNode seal = unsealed.remove(SUMMARY_SHA256);
      if (summary.path("formatVersion").asInt() == FORMAT_VERSION
          && s.digest().equals(digest)
          && seal != null
          && seal.asText().equals(sha256(ImageJson.mapper().writeValueAsBytes(unsealed)))
          && summary.path("filesSha256").asText().equals(sha256(dir.resolve(FILES)))) {
        return new Lookup(Status.HIT, Optional.of(s));
      }
    } catch (IOException | RuntimeException e) {
      // Unreadable or inconsistent: damaged, to be rebuilt.
    }
    return new Lookup(Status.DAMAGED, Optional.empty());
  }

  /** Reads a cached layer's entries in tar order. The entry must exist. */
  public Iterable<FileEntry> entries(Digest digest) {
    Path files = filesPath(digest);
    return () -> new EntryIterator(files);
  }

  /** Starts a new entry; nothing is visible under the final name before {@link EntryWriter#commit}. */
  public EntryWriter begin(Digest digest) throws IOException {
    Path parent = entryDir(digest).getParent();
    Files.createDirectories(parent);
    removeAbandoned(parent);
    Path tmp = parent.resolve(TEMPORARY_PREFIX + digest.hex() + "-" + UUID.randomUUID());
    Files.createDirectory(tmp);
    return new EntryWriter(digest, tmp);
  }

  /**
   * Removes the temporary entries under {@code parent} that no writer has touched for {@link
   * #ABANDONED}: a killed job's. The cache has no lock (jobs share it), so age tells: a live
   * writer, of this process or another, keeps touching its entry as the catalog streams in.
   */
  private static void removeAbandoned(Path parent) throws IOException {
    long cutoff = System.currentTimeMillis() - ABANDONED.toMillis();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, TEMPORARY_PREFIX + "*")) {
      for (Path tmp : entries) {
        try {
          if (lastTouched(tmp) < cutoff) {
            MoreFiles.deleteRecursively(tmp, RecursiveDeleteOption.ALLOW_INSECURE);
          }
        } catch (NoSuchFileException e) {
          // removed meanwhile, by its writer or another job's cleanup
        }
      }
    }
  }

  private static long lastTouched(Path dir) throws IOException {
    long last = Files.getLastModifiedTime(dir).toMillis();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        last = Math.max(last, Files.getLastModifiedTime(f).toMillis());
      }
    }
    return last;
  }

  /** Writes one entry: the files catalog as it streams, then the summary, then the rename. */
  public final class EntryWriter implements Closeable {
    private final Digest digest;
    private final Path tmp;
    private final MessageDigest filesDigest = Digest.newMessageDigest("sha256");
    private final Writer files;
    private boolean committed;

    private EntryWriter(Digest digest, Path tmp) throws IOException {
      this.digest = digest;
      this.tmp = tmp;
      OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp.resolve(FILES)), filesDigest);
      this.files = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(out, 1 << 16), StandardCharsets.UTF_8), 1 << 16);
    }

    public void write(FileEntry entry) throws IOException {
      FileEntryJson.write(entry, files);
    }

    /** Completes the entry and renames it into place (a concurrent identical entry wins). */
    public void commit(LayerSummary summary) throws IOException {
      files.close();
      ObjectNode json = summary.toJson();
      json.put("formatVersion", FORMAT_VERSION);
      json.put("filesSha256", BaseEncoding.base16().lowerCase().encode(filesDigest.digest()));
      // The summary's own checksum: an edited or bit-flipped count is damage, not a fact.
      json.put(SUMMARY_SHA256, sha256(ImageJson.mapper().writeValueAsBytes(json)));
      Files.write(tmp.resolve(SUMMARY), ImageJson.mapper().writeValueAsBytes(json));
      try {
        DurableFiles.moveDirectory(tmp, entryDir(digest));
        committed = true;
      } catch (FileSystemException e) {
        // Another worker committed the same layer first; its entry is as good as ours. (Linux
        // reports rename onto a non-empty directory as a plain FileSystemException, ENOTEMPTY.)
        if (!Files.isDirectory(entryDir(digest))) {
          throw e;
        }
      }
    }

    /** Removes the temporary entry unless it was committed. */
    @Override
    public void close() throws IOException {
      if (!committed) {
        try {
          files.close();
        } catch (IOException ignored) {
          // The entry is being thrown away.
        }
        MoreFiles.deleteRecursively(tmp, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    }
  }

  private static String sha256(byte[] bytes) {
    return BaseEncoding.base16().lowerCase().encode(Digest.newMessageDigest("sha256").digest(bytes));
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md = Digest.newMessageDigest("sha256");
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return BaseEncoding.base16().lowerCase().encode(md.digest());
  }

  /** Streams a files catalog; closes it at the end. */
  private static final class EntryIterator implements Iterator<FileEntry> {
    private final BufferedReader reader;
    private String next;

    EntryIterator(Path files) {
      try {
        reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(files), 1 << 16), StandardCharsets.UTF_8));
        next = reader.readLine();
      } catch (NoSuchFileException e) {
        throw new UncheckedIOException("layer cache entry vanished: " + files, e);
      } catch (IOException e) {
        throw new UncheckedIOException("unreadable layer cache entry " + files, e);
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public FileEntry next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      try {
        FileEntry e = FileEntryJson.read(next);
        next = reader.readLine();
        if (next == null) {
          reader.close();
        }
        return e;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
