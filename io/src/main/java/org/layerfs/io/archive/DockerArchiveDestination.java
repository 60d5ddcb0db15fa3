package org.layerfs.io.archive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Iterables;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.JsonTreeWriter;
import org.layerfs.io.model.Manifest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.oci.OciLayoutDestination;

/**
 * Writes one image as a {@code docker save} archive in the form Docker 25+ writes: an OCI layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/}) plus the classic {@code manifest.json}
 * whose {@code Config} and {@code Layers} point into {@code blobs/}. Layers keep their
 * compression, so the image's manifest digest survives a round trip through the archive; Docker
 * and skopeo decompress compressed layer entries when they load them.
 *
 * <p>Blobs are staged, verified, in an OCI layout beside the archive; the archive itself is
 * written under a temporary name and renamed into place when the tagged manifest is put.
 */
public final class DockerArchiveDestination implements ImageDestination {
  private final Path file;
  private final Path stagingDir;
  private final OciLayoutDestination staging;

  private DockerArchiveDestination(Path file) {
    this.file = file.toAbsolutePath();
    this.stagingDir = this.file.resolveSibling("." + this.file.getFileName() + ".layerfs-staging");
    this.staging = OciLayoutDestination.at(stagingDir);
  }

  /** The archive at {@code file}; nothing is written until blobs arrive. */
  public static DockerArchiveDestination at(Path file) {
    return new DockerArchiveDestination(file);
  }

  @Override
  public boolean hasBlob(Descriptor blob) throws IOException {
    return staging.hasBlob(blob);
  }

  @Override
  public void putBlob(Descriptor blob, InputStream content) throws IOException {
    staging.putBlob(blob, content);
  }

  @Override
  public boolean hasManifest(Descriptor manifest) throws IOException {
    return staging.hasManifest(manifest);
  }

  /**
   * Stages the manifest; a tagged one completes the archive. {@code tag} becomes the archive's
   * {@code RepoTags} entry, {@code :latest} added when it names no tag.
   */
  @Override
  public void putManifest(Descriptor manifest, byte[] bytes, Optional<String> tag) throws IOException {
    String what = "docker-archive:" + file;
    if (MediaTypes.isIndex(manifest.mediaType())) {
      throw new IOException(what + ": a docker archive holds one image, not an index; choose one with --platform");
    }
    staging.putManifest(manifest, bytes, Optional.empty());
    if (tag.isEmpty()) {
      return;
    }
    Manifest m = ImageJson.parseManifestOrIndex(bytes, manifest.mediaType(), what).manifest().get();
    String repoTag = tag.get().matches(".*:[^/]*") ? tag.get() : tag.get() + ":latest";
    writeArchive(manifest, bytes, m, repoTag);
    MoreFiles.deleteRecursively(stagingDir, RecursiveDeleteOption.ALLOW_INSECURE);
  }

  /**
   * Writes the archive: the same image always gives the same bytes (entries in a fixed order,
   * each blob once, with the times, owners and modes skopeo gives them).
   */
  private void writeArchive(Descriptor manifest, byte[] manifestBytes, Manifest m, String repoTag) throws IOException {
    checkEveryLayerIsStaged(m);
    DurableFiles.write(file, raw -> {
      TarArchiveOutputStream tar = new TarArchiveOutputStream(raw);
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      addBytes(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      addBytes(tar, "index.json", index(manifest, repoTag));
      addBytes(tar, "manifest.json", manifestJson(m, repoTag));
      addBytes(tar, blobName(manifest.digest()), manifestBytes);
      Set<Digest> added = new HashSet<>(Set.of(manifest.digest()));
      for (Descriptor blob : Iterables.concat(List.of(m.config()), m.layers())) {
        if (added.add(blob.digest())) {
          addBlob(tar, blob);
        }
      }
      tar.finish();
      tar.flush();
    });
  }

  /**
   * A docker archive must hold every layer its {@code manifest.json} lists, or {@code docker
   * load} fails; a non-distributable (foreign) layer the source did not hold cannot be written.
   */
  private void checkEveryLayerIsStaged(Manifest m) throws IOException {
    for (Descriptor layer : m.layers()) {
      if (!staging.hasBlob(layer)) {
        String urls = layer.urls().isEmpty() ? "" : " (its content is at " + String.join(", ", layer.urls()) + ")";
        throw new IOException("docker-archive:" + file + ": layer " + layer.digest()
            + (layer.isNonDistributable() ? " is non-distributable" + urls + " and" : "") + " is not in the image's source;"
            + " a docker archive must contain every layer it lists, so this image cannot be written as one");
      }
    }
  }

  private static byte[] index(Descriptor manifest, String repoTag) throws IOException {
    ObjectNode index = JsonNodeFactory.instance.objectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    Descriptor entry =
        manifest.toBuilder()
            .setAnnotations(ImmutableMap.of(
                "io.containerd.image.name", repoTag,
                Descriptor.REF_NAME, repoTag.substring(repoTag.lastIndexOf(':') + 1)))
            .build();
    index.putArray("manifests").add(ImageJson.toJson(entry));
    return JsonTreeWriter.bytes(index);
  }

  private static byte[] manifestJson(Manifest m, String repoTag) throws IOException {
    ArrayNode items = JsonNodeFactory.instance.arrayNode();
    ObjectNode item = items.addObject();
    item.put("Config", blobName(m.config().digest()));
    item.putArray("RepoTags").add(repoTag);
    ArrayNode layers = item.putArray("Layers");
    for (Descriptor layer : m.layers()) {
      layers.add(blobName(layer.digest()));
    }
    return JsonTreeWriter.bytes(items);
  }

  private static String blobName(Digest digest) {
    return "blobs/" + digest.algorithm() + "/" + digest.hex();
  }

  private void addBlob(TarArchiveOutputStream tar, Descriptor blob) throws IOException {
    Path path = stagingDir.resolve(blobName(blob.digest()));
    TarArchiveEntry entry = entry(blobName(blob.digest()), Files.size(path));
    tar.putArchiveEntry(entry);
    try (InputStream in = Files.newInputStream(path)) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
  }

  private static void addBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
    tar.putArchiveEntry(entry(name, bytes.length));
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  /** A read-only file owned by root, dated the epoch: nothing of the copy's time or user. */
  private static TarArchiveEntry entry(String name, long size) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    entry.setModTime(0L);
    entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~0222);
    entry.setIds(0, 0);
    entry.setUserName("");
    entry.setGroupName("");
    return entry;
  }

  /** A docker archive is written whole by one copy; it keeps no tags to compare or remove. */
  @Override
  public Optional<Digest> tagDigest(String tag) {
    return Optional.empty();
  }

  @Override
  public ImmutableList<String> tags() {
    return ImmutableList.of();
  }

  @Override
  public TagRemoval removeTags(Collection<String> tags) throws IOException {
    return planTagRemoval(tags);
  }

  @Override
  public TagRemoval planTagRemoval(Collection<String> tags) throws IOException {
    if (!tags.isEmpty()) {
      throw new IOException("docker-archive:" + file + ": tags cannot be removed from a docker archive");
    }
    return TagRemoval.all(tags);
  }

  /** Removes the staging layout and temporary archives an interrupted copy to this archive left. */
  @Override
  public void removeLeftovers() throws IOException {
    if (Files.exists(stagingDir)) {
      MoreFiles.deleteRecursively(stagingDir, RecursiveDeleteOption.ALLOW_INSECURE);
    }
    String prefix = "." + file.getFileName() + "-";
    try (DirectoryStream<Path> files = Files.newDirectoryStream(file.getParent(), p -> {
      String name = p.getFileName().toString();
      return name.startsWith(prefix) && DurableFiles.isTemporary(name);
    })) {
      for (Path tmp : files) {
        Files.deleteIfExists(tmp);
      }
    } catch (NoSuchFileException e) {
      // no directory, nothing left
    }
  }

  @Override
  public void close() {}
}
