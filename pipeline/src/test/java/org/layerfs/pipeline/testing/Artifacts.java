package org.layerfs.pipeline.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.registry.RegistryClient;
import org.layerfs.io.registry.RegistryConfig;

/**
 * The supply-chain fixture, built in code: an image ({@code app:1}), two OCI 1.1 referrers of it
 * (an SPDX SBOM and a signature-typed artifact), a signature on the SBOM (a referrer of a
 * referrer), a legacy cosign {@code sha256-<hex>.sig} tag, and a Helm chart ({@code chart}).
 * Written into an OCI layout or pushed to a registry repository, with the fallback tags
 * {@code sha256-<hex>} (indexes of referrers) where asked for, as cosign and oras would.
 */
public final class Artifacts {
  public static final String EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String SBOM_TYPE = "application/spdx+json";
  public static final String SIG_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";
  public static final String HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";

  /** A blob or manifest: media type and bytes. */
  public record Blob(String mediaType, byte[] bytes) {
    public Digest digest() {
      return Digest.sha256(bytes);
    }

    public Descriptor descriptor() {
      return Descriptor.of(mediaType, digest(), bytes.length);
    }
  }

  /** Where the fixture goes: blobs first, then manifests, optionally under a tag. */
  public interface Store {
    void blob(Blob blob) throws IOException;

    void manifest(Blob manifest, Optional<String> tag) throws IOException;
  }

  public final Blob image;
  public final Blob sbom;
  public final Blob signature;
  public final Blob sbomSignature;
  public final Blob legacySig;
  public final Blob chart;
  /** A referrer of the image that is not at the source: put at a destination first, to be merged with. */
  public final Blob note;
  private final Blob noteContent;
  private final Blob empty;
  private final List<Blob> blobs = new ArrayList<>();

  public Artifacts() {
    Blob layer = blob(MediaTypes.OCI_LAYER, tarOfOneFile("hello.txt", "hello\n".getBytes(UTF_8)));
    Blob config = blob(MediaTypes.OCI_CONFIG, json(Map.of("architecture", "amd64", "os", "linux",
        "rootfs", Map.of("type", "layers", "diff_ids", List.of(layer.digest().toString())))));
    image = manifest(config, List.of(layer), Optional.empty(), Optional.empty());
    empty = blob(EMPTY, "{}".getBytes(UTF_8));
    Blob spdx = blob(SBOM_TYPE, "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"app\"}".getBytes(UTF_8));
    sbom = manifest(empty, List.of(spdx), Optional.of(SBOM_TYPE), Optional.of(image));
    Blob bundle = blob("application/vnd.dev.sigstore.bundle.v0.3+json", "{\"signature\":\"app\"}".getBytes(UTF_8));
    signature = manifest(empty, List.of(bundle), Optional.of(SIG_TYPE), Optional.of(image));
    Blob bundle2 = blob("application/vnd.dev.sigstore.bundle.v0.3+json", "{\"signature\":\"sbom\"}".getBytes(UTF_8));
    sbomSignature = manifest(empty, List.of(bundle2), Optional.of(SIG_TYPE), Optional.of(sbom));
    Blob simple = blob("application/vnd.dev.cosign.simplesigning.v1+json",
        ("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + image.digest() + "\"}}}").getBytes(UTF_8));
    Blob sigConfig = blob(MediaTypes.OCI_CONFIG, json(Map.of("architecture", "", "os", "",
        "rootfs", Map.of("type", "layers", "diff_ids", List.of(simple.digest().toString())))));
    legacySig = manifest(sigConfig, List.of(simple), Optional.empty(), Optional.empty());
    Blob chartConfig = blob(HELM_CONFIG, "{\"name\":\"demo\",\"version\":\"0.1.0\"}".getBytes(UTF_8));
    Blob chartContent = blob("application/vnd.cncf.helm.chart.content.v1.tar+gzip", new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
    chart = manifest(chartConfig, List.of(chartContent), Optional.empty(), Optional.empty());
    noteContent = new Blob("application/vnd.example.note+json", "{\"note\":\"kept\"}".getBytes(UTF_8));
    note = manifest(empty, List.of(noteContent), Optional.of("application/vnd.example.note+json"), Optional.of(image));
  }

  /**
   * Puts {@link #note} into {@code store} as a destination would have it already: the image's
   * blobs and manifest are not needed for it, its own are; with {@code fallbackTag}, the image's
   * fallback tag lists it.
   */
  public void writeNoteTo(Store store, String prefix, boolean fallbackTag) throws IOException {
    store.blob(empty);
    store.blob(noteContent);
    store.manifest(note, Optional.empty());
    if (fallbackTag) {
      store.manifest(referrersIndex(List.of(note)), Optional.of(prefix + fallbackTag(image)));
    }
  }

  /** The legacy cosign signature tag of the image. */
  public String legacyTag() {
    return "sha256-" + image.digest().hex() + ".sig";
  }

  /** The fallback tag of the referrers of {@code subject}. */
  public static String fallbackTag(Blob subject) {
    return "sha256-" + subject.digest().hex();
  }

  /**
   * Writes everything to {@code store}: the image as {@code app:1} (its tag {@code 1} prefixed
   * by {@code prefix}), the chart as {@code chart}, the legacy signature, the referrers by digest,
   * and, when {@code fallbackTags}, the {@code sha256-<hex>} indexes listing them.
   */
  public void writeTo(Store store, String prefix, boolean fallbackTags) throws IOException {
    for (Blob b : blobs) {
      store.blob(b);
    }
    store.manifest(image, Optional.of(prefix + "1"));
    store.manifest(chart, Optional.of(prefix + "chart"));
    store.manifest(legacySig, Optional.of(prefix + legacyTag()));
    for (Blob referrer : List.of(sbom, signature, sbomSignature)) {
      store.manifest(referrer, Optional.empty());
    }
    if (fallbackTags) {
      store.manifest(referrersIndex(List.of(sbom, signature)), Optional.of(prefix + fallbackTag(image)));
      store.manifest(referrersIndex(List.of(sbomSignature)), Optional.of(prefix + fallbackTag(sbom)));
    }
  }

  /** An OCI index listing {@code referrers}, as the fallback tag holds them. */
  public static Blob referrersIndex(List<Blob> referrers) {
    ObjectNode index = ImageJson.mapper().createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (Blob r : referrers) {
      ObjectNode d = ImageJson.toJson(r.descriptor());
      ObjectNode m = (ObjectNode) readTree(r.bytes());
      d.put("artifactType", m.path("artifactType").asText());
      manifests.add(d);
    }
    return new Blob(MediaTypes.OCI_INDEX, write(index));
  }

  /** The OCI layout at {@code dir}, created. */
  public static Store layout(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Map<String, ObjectNode> entries = new LinkedHashMap<>();
    return new Store() {
      @Override
      public void blob(Blob blob) throws IOException {
        Files.write(dir.resolve("blobs/sha256").resolve(blob.digest().hex()), blob.bytes());
      }

      @Override
      public void manifest(Blob manifest, Optional<String> tag) throws IOException {
        blob(manifest);
        if (tag.isPresent()) {
          ObjectNode entry = ImageJson.toJson(manifest.descriptor());
          entry.putObject("annotations").put(Descriptor.REF_NAME, tag.get());
          entries.put(tag.get(), entry);
          ObjectNode index = ImageJson.mapper().createObjectNode();
          index.put("schemaVersion", 2);
          index.put("mediaType", MediaTypes.OCI_INDEX);
          entries.values().forEach(index.putArray("manifests")::add);
          Files.write(dir.resolve("index.json"), write(index));
        }
      }
    };
  }

  /** The repository {@code repository} of the registry at {@code host}. */
  public static Store registry(String host, String repository, RegistryConfig config) {
    RegistryClient client = RegistryClient.create(host, config);
    return new Store() {
      @Override
      public void blob(Blob blob) throws IOException {
        client.pushBlob(repository, blob.descriptor(), new ByteArrayInputStream(blob.bytes()));
      }

      @Override
      public void manifest(Blob manifest, Optional<String> tag) throws IOException {
        client.pushManifest(repository, tag.orElse(manifest.digest().toString()), manifest.descriptor(), manifest.bytes());
      }
    };
  }

  private Blob blob(String mediaType, byte[] bytes) {
    Blob b = new Blob(mediaType, bytes);
    blobs.add(b);
    return b;
  }

  private static Blob manifest(Blob config, List<Blob> layers, Optional<String> artifactType, Optional<Blob> subject) {
    ObjectNode m = ImageJson.mapper().createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    artifactType.ifPresent(t -> m.put("artifactType", t));
    m.set("config", ImageJson.toJson(config.descriptor()));
    ArrayNode array = m.putArray("layers");
    layers.forEach(l -> array.add(ImageJson.toJson(l.descriptor())));
    subject.ifPresent(s -> m.set("subject", ImageJson.toJson(s.descriptor())));
    return new Blob(MediaTypes.OCI_MANIFEST, write(m));
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(byte[] bytes) {
    try {
      return ImageJson.mapper().readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] tarOfOneFile(String name, byte[] content) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(content.length);
      e.setModTime(1_700_000_000_000L);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] json(Object value) {
    try {
      return ImageJson.mapper().writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] write(ObjectNode node) {
    return json(node);
  }
}
