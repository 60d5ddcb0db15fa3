package org.layerfs.io.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.layerfs.io.blob.Blobs;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageIndex;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ManifestResolver;
import org.layerfs.io.source.Resolution;

/** An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/}). */
public final class OciLayout implements ImageSource {
  private final Path dir;
  private final ImageReference store;

  private OciLayout(Path dir) {
    this.dir = dir;
    this.store = ImageReference.of(ImageReference.Transport.OCI, dir.toString(), Optional.empty(), Optional.empty());
  }

  /** Opens an existing layout; fails naming the directory when it is not one. */
  public static OciLayout open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "no OCI layout directory at " + dir);
    }
    Path marker = dir.resolve("oci-layout");
    if (!Files.isRegularFile(marker)) {
      throw new ImageFormatException("oci:" + dir + ": not an OCI layout (no oci-layout file)");
    }
    JsonNode layout = ImageJson.tree(Files.readAllBytes(marker), "oci:" + dir + "/oci-layout");
    if (!layout.path("imageLayoutVersion").asText().startsWith("1.")) {
      throw new ImageFormatException(
          "oci:" + dir + "/oci-layout: unsupported imageLayoutVersion \"" + layout.path("imageLayoutVersion").asText() + "\"");
    }
    return new OciLayout(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Where a blob lives in this layout: {@code blobs/<algorithm>/<hex>}. */
  public Path blobPath(Digest digest) {
    return dir.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  /** The layout's {@code index.json}. */
  public ImageIndex index() throws IOException {
    Path index = dir.resolve("index.json");
    String what = "oci:" + dir + "/index.json";
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(index);
    } catch (NoSuchFileException e) {
      throw new ImageFormatException(what + ": missing");
    }
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(bytes, "", what);
    if (doc.index().isEmpty()) {
      throw new ImageFormatException(what + ": not an image index");
    }
    return doc.index().get();
  }

  @Override
  public Resolution resolve(ImageReference reference, Optional<Platform> platform) throws IOException {
    ImageIndex index = index();
    ImmutableList<Descriptor> roots;
    if (reference.tag().isPresent()) {
      String tag = reference.tag().get();
      roots = index.manifests().stream().filter(d -> d.refName().equals(Optional.of(tag))).collect(ImmutableList.toImmutableList());
      if (roots.isEmpty()) {
        throw new IOException(reference + ": no image named \"" + tag + "\" in " + dir.resolve("index.json"));
      }
    } else if (reference.digest().isPresent()) {
      Digest digest = reference.digest().get();
      roots = index.manifests().stream().filter(d -> d.digest().equals(digest)).limit(1).collect(ImmutableList.toImmutableList());
      if (roots.isEmpty()) {
        throw new IOException(reference + ": no manifest " + digest + " in " + dir.resolve("index.json"));
      }
    } else {
      roots = index.manifests();
    }
    ManifestResolver resolver = new ManifestResolver(this, platform);
    for (Descriptor root : roots) {
      ImageReference named =
          reference.tag().isPresent() || reference.digest().isPresent()
              ? reference
              : root.refName().map(store::withTag).orElse(store.withDigest(root.digest()));
      resolver.expand(named, root);
    }
    return resolver.result();
  }

  /** The referrers of {@code subject}: the entries of its fallback tag's index ({@code sha256-<hex>}), if the layout has it. */
  public ImmutableList<Descriptor> referrers(Digest subject) throws IOException {
    String tag = FallbackIndex.tag(subject);
    Optional<Descriptor> entry = index().manifests().stream().filter(d -> d.refName().equals(Optional.of(tag))).reduce((a, b) -> b);
    if (entry.isEmpty()) {
      return ImmutableList.of();
    }
    String what = "oci:" + dir + ":" + tag;
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(readBlob(entry.get()), entry.get().mediaType(), what);
    if (doc.index().isEmpty()) {
      throw new ImageFormatException(what + ": the referrers tag names a manifest, not an index");
    }
    return doc.index().get().manifests();
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    return openBlob(blob, 0);
  }

  /** The blob's file from {@code offset} on: positioned there, nothing before it read. */
  @Override
  public InputStream openBlob(Descriptor blob, long offset) throws IOException {
    Path path = blobPath(blob.digest());
    FileChannel file;
    try {
      file = FileChannel.open(path);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "blob " + blob.digest() + " is missing from oci:" + dir);
    }
    try {
      // Not positioned at 0: a blob that is a FIFO (a test's paced source) cannot seek at all.
      return Channels.newInputStream(offset == 0 ? file : file.position(offset));
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  @Override
  public byte[] readBlob(Descriptor blob) throws IOException {
    try (InputStream in = openBlob(blob)) {
      return Blobs.readVerified(in, blob, "blob " + blob.digest() + " in oci:" + dir);
    }
  }

  @Override
  public void close() {}
}
