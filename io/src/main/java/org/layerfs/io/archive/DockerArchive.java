package org.layerfs.io.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.layerfs.io.blob.Blobs;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageIndex;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.JsonTreeWriter;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.model.StrictJson;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ManifestResolver;
import org.layerfs.io.source.Resolution;

/**
 * A {@code docker save} archive, in the classic layout ({@code manifest.json},
 * {@code <id>/layer.tar}) or the newer one with an OCI layout inside. Each {@code manifest.json}
 * entry is one image; where the archive holds its real manifest (the OCI layout), that manifest
 * is used as it is, otherwise a Docker schema 2 manifest is made from the entry, as skopeo does.
 */
public final class DockerArchive implements ImageSource {
  private static final byte[] GZIP_MAGIC = {(byte) 0x1f, (byte) 0x8b};
  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};

  private final Path file;
  private final ImageReference store;
  private final TarFile tar;
  private final Map<String, TarArchiveEntry> entries = new HashMap<>();
  /** Blobs by digest: archive entry names, or bytes made here (manifests of classic archives). */
  private final Map<Digest, String> blobEntries = new HashMap<>();
  private final Map<Digest, byte[]> madeBlobs = new HashMap<>();
  /** One per manifest.json entry: its tags and its manifest descriptor. */
  private final List<ArchivedImage> images = new ArrayList<>();

  private record ArchivedImage(ImmutableList<String> repoTags, Descriptor manifest) {}

  private DockerArchive(Path file, TarFile tar) {
    this.file = file;
    this.tar = tar;
    this.store = ImageReference.of(ImageReference.Transport.DOCKER_ARCHIVE, file.toString(), Optional.empty(), Optional.empty());
  }

  /** Opens and indexes an archive; fails naming the file and what is wrong with it. */
  public static DockerArchive open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no docker archive at " + file);
    }
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      in.readNBytes(head, 0, 4);
    }
    if (startsWith(head, GZIP_MAGIC) || startsWith(head, ZSTD_MAGIC)) {
      throw new ImageFormatException(
          "docker-archive:" + file + ": the archive is compressed; decompress it first (docker save writes plain tar)");
    }
    TarFile tar;
    try {
      tar = new TarFile(file);
    } catch (IOException e) {
      throw new ImageFormatException("docker-archive:" + file + ": not a tar archive: " + e.getMessage(), e);
    }
    DockerArchive archive = new DockerArchive(file, tar);
    try {
      archive.index();
    } catch (IOException | RuntimeException e) {
      tar.close();
      throw e;
    }
    return archive;
  }

  private String what() {
    return "docker-archive:" + file;
  }

  private void index() throws IOException {
    for (TarArchiveEntry e : tar.getEntries()) {
      entries.put(normalise(e.getName()), e);
    }
    JsonNode manifestJson = json("manifest.json");
    if (!manifestJson.isArray()) {
      throw new ImageFormatException(what() + "/manifest.json: not a JSON array");
    }
    Map<Digest, Descriptor> ociManifests = entries.containsKey("index.json") ? ociManifestsByConfig() : Map.of();
    int n = 0;
    for (JsonNode item : manifestJson) {
      String itemWhat = what() + "/manifest.json[" + n++ + "]";
      String configName = normalise(item.path("Config").asText());
      if (configName.isEmpty() || !entries.containsKey(configName)) {
        throw new ImageFormatException(itemWhat + ": Config \"" + configName + "\" is not in the archive");
      }
      byte[] configBytes = read(configName);
      Digest configDigest = Digest.sha256(configBytes);
      blobEntries.put(configDigest, configName);
      ImmutableList.Builder<String> tags = ImmutableList.builder();
      item.path("RepoTags").forEach(t -> tags.add(t.asText()));
      Descriptor manifest = ociManifests.get(configDigest);
      if (manifest == null) {
        manifest = makeManifest(item, configBytes, configDigest, itemWhat);
      }
      images.add(new ArchivedImage(tags.build(), manifest));
    }
  }

  /** Registers the blobs of an OCI layout inside the archive and maps config digest to manifest. */
  private Map<Digest, Descriptor> ociManifestsByConfig() throws IOException {
    for (String name : entries.keySet()) {
      if (name.startsWith("blobs/")) {
        String[] parts = name.split("/");
        if (parts.length == 3 && Digest.isDigest(parts[1] + ":" + parts[2])) {
          blobEntries.put(Digest.parse(parts[1] + ":" + parts[2]), name);
        }
      }
    }
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(read("index.json"), "", what() + "/index.json");
    if (doc.index().isEmpty()) {
      throw new ImageFormatException(what() + "/index.json: not an image index");
    }
    Map<Digest, Descriptor> byConfig = new HashMap<>();
    collectManifests(doc.index().get(), byConfig, 0);
    return byConfig;
  }

  private void collectManifests(ImageIndex index, Map<Digest, Descriptor> byConfig, int depth) throws IOException {
    for (Descriptor d : index.manifests()) {
      if (!blobEntries.containsKey(d.digest()) || depth > 4) {
        continue;
      }
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(readBlob(d), d.mediaType(), what() + " manifest " + d.digest());
      if (doc.manifest().isPresent()) {
        byConfig.put(doc.manifest().get().config().digest(), d);
      } else {
        collectManifests(doc.index().get(), byConfig, depth + 1);
      }
    }
  }

  /** Makes the Docker schema 2 manifest a classic archive entry stands for. */
  private Descriptor makeManifest(JsonNode item, byte[] configBytes, Digest configDigest, String itemWhat)
      throws IOException {
    List<Digest> diffIds = ImageJson.parseConfig(configBytes, itemWhat + " config").diffIds();
    JsonNode layers = item.path("Layers");
    if (!layers.isArray() || layers.size() != diffIds.size()) {
      throw new ImageFormatException(
          itemWhat + ": has " + layers.size() + " Layers but its config has " + diffIds.size() + " diff_ids");
    }
    ObjectNode manifest = JsonNodeFactory.instance.objectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
    ObjectNode config = manifest.putObject("config");
    config.put("mediaType", MediaTypes.DOCKER_CONFIG);
    config.put("size", configBytes.length);
    config.put("digest", configDigest.toString());
    ArrayNode layerArray = manifest.putArray("layers");
    for (int i = 0; i < layers.size(); i++) {
      String name = resolveLinks(normalise(layers.get(i).asText()), itemWhat);
      TarArchiveEntry entry = entries.get(name);
      byte[] head = new byte[4];
      try (InputStream in = tar.getInputStream(entry)) {
        in.readNBytes(head, 0, 4);
      }
      String mediaType;
      Digest digest;
      if (startsWith(head, GZIP_MAGIC) || startsWith(head, ZSTD_MAGIC)) {
        mediaType = startsWith(head, GZIP_MAGIC) ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_ZSTD;
        digest = digestOf(entry);
      } else {
        // An uncompressed layer's digest is its diffID; it is verified when the layer is read.
        mediaType = MediaTypes.DOCKER_LAYER;
        digest = diffIds.get(i);
      }
      blobEntries.put(digest, name);
      ObjectNode layer = layerArray.addObject();
      layer.put("mediaType", mediaType);
      layer.put("size", entry.getSize());
      layer.put("digest", digest.toString());
    }
    byte[] bytes = JsonTreeWriter.bytes(manifest);
    Digest digest = Digest.sha256(bytes);
    madeBlobs.put(digest, bytes);
    return Descriptor.of(MediaTypes.DOCKER_MANIFEST, digest, bytes.length);
  }

  private Digest digestOf(TarArchiveEntry entry) throws IOException {
    java.security.MessageDigest md = Digest.newMessageDigest("sha256");
    byte[] buf = new byte[1 << 16];
    try (InputStream in = tar.getInputStream(entry)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.fromBytes("sha256", md.digest());
  }

  /** Follows symlinked layer entries (older docker save links shared layers). */
  private String resolveLinks(String name, String itemWhat) throws ImageFormatException {
    for (int hops = 0; hops < 8; hops++) {
      TarArchiveEntry e = entries.get(name);
      if (e == null) {
        throw new ImageFormatException(itemWhat + ": layer \"" + name + "\" is not in the archive");
      }
      if (!e.isSymbolicLink()) {
        return name;
      }
      String target = e.getLinkName();
      int slash = name.lastIndexOf('/');
      name = normalise(target.startsWith("/") || slash < 0 ? target : name.substring(0, slash + 1) + target);
    }
    throw new ImageFormatException(itemWhat + ": too many symlinks at layer \"" + name + "\"");
  }

  @Override
  public Resolution resolve(ImageReference reference, Optional<Platform> platform) throws IOException {
    ManifestResolver resolver = new ManifestResolver(this, platform);
    boolean found = false;
    for (ArchivedImage image : images) {
      if (reference.tag().isPresent() && !image.repoTags().contains(reference.tag().get())) {
        continue;
      }
      found = true;
      ImageReference named =
          reference.tag().isPresent()
              ? reference
              : image.repoTags().stream().findFirst().map(store::withTag).orElse(store.withDigest(image.manifest().digest()));
      resolver.expand(named, image.manifest());
    }
    if (!found) {
      throw new IOException(reference + ": no image tagged \"" + reference.tag().orElse("") + "\" in " + file);
    }
    return resolver.result();
  }

  @Override
  public InputStream openBlob(Descriptor blob) throws IOException {
    byte[] made = madeBlobs.get(blob.digest());
    if (made != null) {
      return new ByteArrayInputStream(made);
    }
    String name = blobEntries.get(blob.digest());
    if (name == null) {
      throw new NoSuchFileException(file.toString(), null, "blob " + blob.digest() + " is not in " + what());
    }
    return tar.getInputStream(entries.get(name));
  }

  @Override
  public byte[] readBlob(Descriptor blob) throws IOException {
    try (InputStream in = openBlob(blob)) {
      return Blobs.readVerified(in, blob, "blob " + blob.digest() + " in " + what());
    }
  }

  private JsonNode json(String name) throws IOException {
    if (!entries.containsKey(name)) {
      throw new ImageFormatException(what() + ": no " + name + " (not a docker save archive)");
    }
    return StrictJson.read(read(name), what() + "/" + name);
  }

  private byte[] read(String name) throws IOException {
    TarArchiveEntry e = entries.get(name);
    if (e.getSize() > Blobs.MAX_METADATA_BLOB) {
      throw new ImageFormatException(what() + "/" + name + ": too large for a metadata file");
    }
    try (InputStream in = tar.getInputStream(e)) {
      return in.readAllBytes();
    }
  }

  private static String normalise(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
  }

  private static boolean startsWith(byte[] head, byte[] magic) {
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }
}
