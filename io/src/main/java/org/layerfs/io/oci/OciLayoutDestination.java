package org.layerfs.io.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.dest.FallbackTagLocks;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.PrunedReferrers;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.JsonTreeWriter;
import org.layerfs.io.model.MediaTypes;

/**
 * Writes images into an OCI image layout directory, created on the first write. A blob is
 * written to a temporary file beside its final name, verified while it is written, flushed to
 * disk and renamed into place only when size and digest match; {@code index.json} is replaced
 * whole, and names a manifest only once everything the manifest references is present.
 *
 * <p>Tags are the {@code org.opencontainers.image.ref.name} annotations of {@code index.json}.
 * Writers of one layout must not overlap: jobs hold its {@link StoreLock}, and within a job one
 * worker writes {@code index.json}.
 */
public final class OciLayoutDestination implements ImageDestination {
  private static final int MAX_DEPTH = 4;
  private static final int COPY_BUFFER = 1 << 20;

  private final Path dir;

  private OciLayoutDestination(Path dir) {
    this.dir = dir;
  }

  /** A destination at {@code dir}; nothing is created until something is written. */
  public static OciLayoutDestination at(Path dir) {
    return new OciLayoutDestination(dir);
  }

  public Path dir() {
    return dir;
  }

  private Path blobPath(Digest digest) {
    return dir.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    Path path = blobPath(blob.digest());
    // Only verified blobs ever get a final name; the size check catches a file damaged since.
    return Files.isRegularFile(path) && Files.size(path) == blob.size();
  }

  @Override
  public boolean hasManifest(Descriptor manifest) throws IOException {
    return hasBlob(manifest);
  }

  @Override
  public void putBlob(Descriptor blob, InputStream content) throws IOException {
    if (hasBlob(blob)) {
      return;
    }
    ensureLayout();
    String what = "blob " + blob.digest() + " for oci:" + dir;
    try (VerifyingInputStream verified = new VerifyingInputStream(content, blob, what)) {
      DurableFiles.write(blobPath(blob.digest()), out -> {
        // transferTo's 8 or 16 KiB: a read and a write call per chunk, on every byte of every layer.
        byte[] buffer = new byte[COPY_BUFFER];
        for (int n; (n = verified.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
        }
      });
    }
  }

  @Override
  public void putManifest(Descriptor manifest, byte[] bytes, Optional<String> tag) throws IOException {
    String what = "manifest " + manifest.digest() + " for oci:" + dir;
    for (Descriptor referenced : referencedBy(manifest, bytes, what)) {
      if (!referenced.isNonDistributable() && !hasBlob(referenced)) {
        throw new IOException(what + ": references " + referenced.digest() + ", which is not in the layout");
      }
    }
    if (!hasBlob(manifest)) {
      putBlob(manifest, new ByteArrayInputStream(bytes));
    }
    if (tag.isPresent()) {
      String name = tag.get();
      Descriptor entry =
          Descriptor.builder()
              .setMediaType(manifest.mediaType())
              .setDigest(manifest.digest())
              .setSize(manifest.size())
              .setAnnotations(ImmutableMap.of(Descriptor.REF_NAME, name))
              .build();
      List<Descriptor> entries = new ArrayList<>(indexEntries());
      entries.removeIf(d -> d.refName().equals(Optional.of(name)));
      entries.add(entry);
      writeIndex(entries);
    }
  }

  /** Writes the referrer by digest and adds it to the subject's fallback tag, keeping the entries there. */
  @Override
  public void putReferrer(Descriptor subject, Descriptor referrer, byte[] bytes) throws IOException {
    putManifest(referrer, bytes, Optional.empty());
    String tag = FallbackIndex.tag(subject.digest());
    FallbackTagLocks.locked("oci:" + dir.toAbsolutePath(), tag, () -> {
      Optional<byte[]> existing = Optional.empty();
      Optional<Digest> tagged = tagDigest(tag);
      if (tagged.isPresent()) {
        existing = Optional.of(Files.readAllBytes(blobPath(tagged.get())));
      }
      Optional<byte[]> merged = FallbackIndex.merge(existing, FallbackIndex.entry(referrer, bytes), "oci:" + dir + ":" + tag);
      if (merged.isPresent()) {
        Descriptor index = Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(merged.get()), merged.get().length);
        putManifest(index, merged.get(), Optional.of(tag));
      }
    });
  }

  /** Rewrites the subject's fallback tag without {@code referrers}, or removes it when none remain; garbage collection removes the rest. */
  @Override
  public void removeReferrers(Descriptor subject, Collection<Descriptor> referrers) throws IOException {
    String tag = FallbackIndex.tag(subject.digest());
    Optional<Digest> tagged = tagDigest(tag);
    if (tagged.isEmpty()) {
      return;
    }
    String what = "oci:" + dir + ":" + tag;
    byte[] existing = Files.readAllBytes(blobPath(tagged.get()));
    Set<Digest> removed = new HashSet<>();
    referrers.forEach(r -> removed.add(r.digest()));
    ImmutableList<Descriptor> remaining = FallbackIndex.without(existing, removed, what);
    if (remaining.isEmpty()) {
      removeTags(List.of(tag));
    } else if (remaining.size() < FallbackIndex.entries(existing, what).size()) {
      byte[] bytes = FallbackIndex.write(remaining);
      putManifest(Descriptor.of(MediaTypes.OCI_INDEX, Digest.sha256(bytes), bytes.length), bytes, Optional.of(tag));
    }
  }

  @Override
  public Optional<Digest> tagDigest(String tag) throws IOException {
    return indexEntries().stream()
        .filter(d -> d.refName().equals(Optional.of(tag)))
        .map(Descriptor::digest)
        .reduce((a, b) -> b);
  }

  /** Read from one index.json: the last entry of a tag named twice wins, as in {@link #tagDigest}. */
  @Override
  public Map<String, Digest> tagDigests(Collection<String> tags) throws IOException {
    Map<String, Digest> digests = new LinkedHashMap<>();
    for (Descriptor d : indexEntries()) {
      d.refName().filter(tags::contains).ifPresent(tag -> digests.put(tag, d.digest()));
    }
    return digests;
  }

  @Override
  public ImmutableList<String> tags() throws IOException {
    return indexEntries().stream()
        .flatMap(d -> d.refName().stream())
        .distinct()
        .collect(ImmutableList.toImmutableList());
  }

  /** Removes the tags from {@code index.json} in one replacement; the layout's tags are its own. */
  @Override
  public TagRemoval removeTags(Collection<String> tags) throws IOException {
    List<Descriptor> entries = new ArrayList<>(indexEntries());
    if (entries.removeIf(d -> d.refName().isPresent() && tags.contains(d.refName().get()))) {
      writeIndex(entries);
    }
    return TagRemoval.all(tags);
  }

  /** Every tag goes alone: a layout's tags are its own. */
  @Override
  public TagRemoval planTagRemoval(Collection<String> tags) {
    return TagRemoval.all(tags);
  }

  /**
   * Removes the tags with the fallback and legacy tags of the images no tag that stays names, in
   * one replacement of {@code index.json}; {@link #collectGarbage} then removes the referrers.
   */
  @Override
  public TagRemoval removeImages(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    PrunedReferrers.Found found = prunedReferrers(tags, scope);
    List<String> all = new ArrayList<>(tags);
    all.addAll(found.tags());
    removeTags(all);
    return new TagRemoval(ImmutableList.copyOf(tags), ImmutableMap.of(), found.references());
  }

  @Override
  public TagRemoval planImageRemoval(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    return new TagRemoval(ImmutableList.copyOf(tags), ImmutableMap.of(), prunedReferrers(tags, scope).references());
  }

  private PrunedReferrers.Found prunedReferrers(Collection<String> tags, PrunedReferrers.Scope scope) throws IOException {
    Map<String, Descriptor> named = new LinkedHashMap<>();
    indexEntries().forEach(d -> d.refName().ifPresent(t -> named.put(t, d)));
    if (named.isEmpty()) {
      return new PrunedReferrers.Found(ImmutableList.of(), ImmutableList.of());
    }
    OciLayout layout = OciLayout.open(dir);
    return PrunedReferrers.of(named, tags, scope, new PrunedReferrers.Store() {
      @Override
      public ImmutableList<Descriptor> referrers(Digest subject) throws IOException {
        return layout.referrers(subject);
      }

      @Override
      public ImmutableList<Descriptor> children(Descriptor index) throws IOException {
        String what = "index " + index.digest() + " in oci:" + dir;
        return ImageJson.parseManifestOrIndex(layout.readBlob(index), index.mediaType(), what).index()
            .map(i -> i.manifests()).orElse(ImmutableList.of());
      }
    });
  }

  /**
   * Removes every blob that no entry of {@code index.json} reaches, and temporary files that
   * interrupted writes left. The caller holds the layout's {@link StoreLock}.
   */
  @Override
  public int collectGarbage() throws IOException {
    Set<Digest> reachable = new HashSet<>();
    for (Descriptor entry : indexEntries()) {
      reach(entry, reachable, 0);
    }
    return removeBlobsWhere(name -> !isReachable(name, reachable));
  }

  /**
   * Removes the temporary files interrupted writes left: of blobs, and of {@code index.json} and
   * {@code oci-layout} at the root. Only names {@link DurableFiles} gives; the caller holds the lock.
   */
  @Override
  public void removeLeftovers() throws IOException {
    removeBlobsWhere(DurableFiles::isTemporary);
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> DurableFiles.isTemporary(p.getFileName().toString()))) {
        for (Path file : files) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private static boolean isReachable(String algorithmAndHex, Set<Digest> reachable) {
    return Digest.isDigest(algorithmAndHex) && reachable.contains(Digest.parse(algorithmAndHex));
  }

  private void reach(Descriptor desc, Set<Digest> reachable, int depth) throws IOException {
    if (!reachable.add(desc.digest()) || !hasBlob(desc) || depth > MAX_DEPTH) {
      return;
    }
    if (MediaTypes.isIndex(desc.mediaType()) || MediaTypes.isManifest(desc.mediaType())) {
      byte[] bytes = Files.readAllBytes(blobPath(desc.digest()));
      for (Descriptor child : referencedBy(desc, bytes, "manifest " + desc.digest() + " in oci:" + dir)) {
        reach(child, reachable, depth + 1);
      }
    }
  }

  /**
   * Deletes the files under {@code blobs/<alg>/} the predicate selects: given a temporary
   * file's name as it is, any other file as {@code alg:name}.
   */
  private int removeBlobsWhere(Predicate<String> remove) throws IOException {
    Path blobs = dir.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
      for (Path alg : algorithms) {
        if (!Files.isDirectory(alg)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(alg)) {
          for (Path file : files) {
            String name = file.getFileName().toString();
            if (remove.test(DurableFiles.isTemporary(name) ? name : alg.getFileName() + ":" + name)) {
              Files.deleteIfExists(file);
              removed++;
            }
          }
        }
      }
    }
    return removed;
  }

  /** The descriptors a manifest (config and layers) or an index (its manifests) references. */
  private static ImmutableList<Descriptor> referencedBy(Descriptor desc, byte[] bytes, String what)
      throws IOException {
    Digest actual = Digest.fromBytes(desc.digest().algorithm(), desc.digest().newMessageDigest().digest(bytes));
    if (bytes.length != desc.size() || !actual.equals(desc.digest())) {
      throw new BlobVerificationException(
          what + ": digest mismatch: expected " + desc.digest() + " (" + desc.size() + " bytes), actual "
              + actual + " (" + bytes.length + " bytes)");
    }
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(bytes, desc.mediaType(), what);
    if (doc.index().isPresent()) {
      return doc.index().get().manifests();
    }
    return ImmutableList.<Descriptor>builder()
        .add(doc.manifest().get().config())
        .addAll(doc.manifest().get().layers())
        .build();
  }

  private ImmutableList<Descriptor> indexEntries() throws IOException {
    if (!Files.exists(dir.resolve("index.json"))) {
      return ImmutableList.of();
    }
    return OciLayout.open(dir).index().manifests();
  }

  /** Creates the directory, {@code oci-layout}, {@code blobs/sha256} and an empty index if absent. */
  private void ensureLayout() throws IOException {
    Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
    Path marker = dir.resolve("oci-layout");
    if (!Files.exists(marker)) {
      byte[] layout = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
      DurableFiles.write(marker, layout);
    }
    if (!Files.exists(dir.resolve("index.json"))) {
      writeIndex(List.of());
    }
  }

  private void writeIndex(List<Descriptor> entries) throws IOException {
    ObjectNode index = JsonNodeFactory.instance.objectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Descriptor d : entries) {
      manifests.add(ImageJson.toJson(d));
    }
    byte[] bytes = JsonTreeWriter.bytes(index);
    DurableFiles.write(dir.resolve("index.json"), bytes);
  }

  @Override
  public void close() {}
}
