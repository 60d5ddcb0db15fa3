package org.layerfs.io.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;

class DockerArchiveTest {
  private static final Digest SMALL_OCI_MANIFEST =
      Digest.parse("sha256:07a16ccaed5d610e314bc55803831744c3d0ab2a08d31a3be9a7dc763d0e7ef6");
  private static final List<Long> LAYERED_SIZES = List.of(22016L, 4608L, 19968L, 6144L);

  private static ResolvedImage single(Resolution r) {
    assertEquals(List.of(), r.failures());
    assertEquals(1, r.images().size(), "images: " + r.images());
    return r.images().get(0);
  }

  private static ImageReference archiveRef(Path file, String tag) {
    return ImageReference.parse("docker-archive:" + file + (tag.isEmpty() ? "" : ":" + tag));
  }

  private static void verifyAllLayers(ImageSource source, ResolvedImage image) throws IOException {
    for (Descriptor layer : image.manifest().layers()) {
      try (VerifyingInputStream in = new VerifyingInputStream(source.openBlob(layer), layer, layer.digest().toString())) {
        in.drainAndVerify();
        assertEquals(layer.size(), in.count());
      }
    }
  }

  @Test
  void classicArchiveLayersAreTheirDiffIds() throws IOException {
    Path file = TestData.layeredDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      ResolvedImage image = single(archive.resolve(archiveRef(file, ""), Optional.empty()));
      assertEquals(archiveRef(file, "layerfs/layered:1.0"), image.reference());
      assertEquals(MediaTypes.DOCKER_MANIFEST, image.manifest().mediaType());
      assertEquals(MediaTypes.DOCKER_MANIFEST, image.manifestDescriptor().mediaType());
      assertEquals(MediaTypes.DOCKER_CONFIG, image.manifest().config().mediaType());
      assertEquals(Platform.parse("linux/amd64"), image.platform());
      List<Descriptor> layers = image.manifest().layers();
      assertEquals(4, layers.size());
      for (int i = 0; i < 4; i++) {
        assertEquals(MediaTypes.DOCKER_LAYER, layers.get(i).mediaType());
        assertEquals(image.config().diffIds().get(i), layers.get(i).digest());
        assertEquals(LAYERED_SIZES.get(i), layers.get(i).size());
      }
      verifyAllLayers(archive, image);
    }
  }

  @Test
  void classicArchiveHasTheSameDiffIdsAsTheLayout() throws IOException {
    Path file = TestData.layeredDockerArchive();
    Path dir = TestData.images();
    try (DockerArchive archive = DockerArchive.open(file);
        OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage fromArchive = single(archive.resolve(archiveRef(file, ""), Optional.empty()));
      ResolvedImage fromLayout = single(layout.resolve(ImageReference.parse("oci:" + dir + ":layered"), Optional.empty()));
      assertEquals(fromLayout.config().diffIds(), fromArchive.config().diffIds());
      assertEquals(fromLayout.manifest().config().digest(), fromArchive.manifest().config().digest());
    }
  }

  @Test
  void classicArchiveMadeManifestAndConfigReadVerified() throws IOException {
    Path file = TestData.layeredDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      ResolvedImage image = single(archive.resolve(archiveRef(file, ""), Optional.empty()));
      byte[] manifest = archive.readBlob(image.manifestDescriptor());
      assertEquals(image.manifestDigest(), Digest.sha256(manifest));
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(manifest, "", "made manifest");
      assertEquals(image.manifest(), doc.manifest().orElseThrow());
      byte[] config = archive.readBlob(image.manifest().config());
      assertEquals(image.config(), ImageJson.parseConfig(config, "config"));
    }
  }

  @Test
  void classicArchiveByRepoTag() throws IOException {
    Path file = TestData.layeredDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      ImageReference reference = archiveRef(file, "layerfs/layered:1.0");
      ResolvedImage image = single(archive.resolve(reference, Optional.empty()));
      assertEquals(reference, image.reference());
    }
  }

  @Test
  void missingRepoTagThrowsNamingIt() throws IOException {
    Path file = TestData.layeredDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      IOException e =
          assertThrows(IOException.class, () -> archive.resolve(archiveRef(file, "layerfs/layered:2.0"), Optional.empty()));
      assertTrue(e.getMessage().contains("\"layerfs/layered:2.0\""), e.getMessage());
    }
  }

  @Test
  void ociInsideArchiveUsesTheRealManifest() throws IOException {
    Path file = TestData.smallOciDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      ResolvedImage image = single(archive.resolve(archiveRef(file, ""), Optional.empty()));
      assertEquals(SMALL_OCI_MANIFEST, image.manifestDigest());
      assertEquals(archiveRef(file, "layerfs/small:1.0"), image.reference());
      assertEquals(MediaTypes.OCI_MANIFEST, image.manifest().mediaType());
      assertEquals(2, image.manifest().layers().size());
      for (int i = 0; i < 2; i++) {
        Descriptor layer = image.manifest().layers().get(i);
        assertEquals(MediaTypes.OCI_LAYER, layer.mediaType());
        assertEquals(image.config().diffIds().get(i), layer.digest(), "an uncompressed layer's digest is its diffID");
      }
      assertEquals(SMALL_OCI_MANIFEST, Digest.sha256(archive.readBlob(image.manifestDescriptor())));
      verifyAllLayers(archive, image);
    }
  }

  @Test
  void ociInsideArchiveHasTheConfigOfSmall() throws IOException {
    Path file = TestData.smallOciDockerArchive();
    Path dir = TestData.images();
    try (DockerArchive archive = DockerArchive.open(file);
        OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage fromArchive = single(archive.resolve(archiveRef(file, "layerfs/small:1.0"), Optional.empty()));
      ResolvedImage fromLayout = single(layout.resolve(ImageReference.parse("oci:" + dir + ":small"), Optional.empty()));
      assertEquals(fromLayout.manifest().config().digest(), fromArchive.manifest().config().digest());
      assertEquals(fromLayout.config(), fromArchive.config());
    }
  }

  @Test
  void imageSourcesOpensAnArchive() throws IOException {
    try (ImageSource source = ImageSources.open(archiveRef(TestData.layeredDockerArchive(), ""))) {
      assertTrue(source instanceof DockerArchive);
    }
  }

  @Test
  void missingBlobNamesIt() throws IOException {
    Path file = TestData.layeredDockerArchive();
    Digest absent = Digest.sha256(new byte[] {42});
    try (DockerArchive archive = DockerArchive.open(file)) {
      NoSuchFileException e =
          assertThrows(NoSuchFileException.class, () -> archive.openBlob(Descriptor.of(MediaTypes.DOCKER_LAYER, absent, 1)));
      assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }
  }

  @Test
  void gzipCompressedArchiveIsRefused(@TempDir Path tmp) throws IOException {
    Path gz = tmp.resolve("layered.docker.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(TestData.layeredDockerArchive(), out);
    }
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(gz));
    assertTrue(e.getMessage().contains(gz.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("compressed"), e.getMessage());
    assertTrue(e.getMessage().contains("decompress it first"), e.getMessage());
  }

  @Test
  void zstdCompressedArchiveIsRefused(@TempDir Path tmp) throws IOException {
    Path zst = tmp.resolve("x.tar.zst");
    Files.write(zst, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0});
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(zst));
    assertTrue(e.getMessage().contains("compressed"), e.getMessage());
  }

  @Test
  void missingFile(@TempDir Path tmp) {
    Path absent = tmp.resolve("absent.tar");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> DockerArchive.open(absent));
    assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
  }

  @Test
  void tarWithoutManifestJson(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("other.tar");
    writeTar(file, "hello.txt", "hi".getBytes(UTF_8));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
  }

  @Test
  void manifestJsonNotAnArray(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("bad.tar");
    writeTar(file, "manifest.json", "{\"Config\":\"x\"}".getBytes(UTF_8));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains("manifest.json") && e.getMessage().contains("not a JSON array"), e.getMessage());
  }

  @Test
  void manifestJsonMalformed(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("bad.tar");
    writeTar(file, "manifest.json", "[{\"Config\":".getBytes(UTF_8));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains("manifest.json") && e.getMessage().contains("malformed JSON"), e.getMessage());
  }

  @Test
  void configMissingFromArchive(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("bad.tar");
    writeTar(file, "manifest.json", "[{\"Config\":\"abc.json\",\"RepoTags\":[],\"Layers\":[]}]".getBytes(UTF_8));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains("\"abc.json\""), e.getMessage());
  }

  @Test
  void notATar(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("text.tar");
    Files.writeString(file, "this is not a tar archive at all\n".repeat(40));
    IOException e = assertThrows(IOException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  private static void writeTar(Path file, String name, byte[] content) throws IOException {
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(content.length);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    }
  }

  @Test
  void openBlobStreamsTheLayerBytes() throws IOException {
    Path file = TestData.layeredDockerArchive();
    try (DockerArchive archive = DockerArchive.open(file)) {
      ResolvedImage image = single(archive.resolve(archiveRef(file, ""), Optional.empty()));
      Descriptor layer = image.manifest().layers().get(1);
      try (InputStream in = archive.openBlob(layer)) {
        byte[] bytes = in.readAllBytes();
        assertEquals(layer.size(), bytes.length);
        assertEquals(layer.digest(), Digest.sha256(bytes));
        // From an offset, the rest of the same bytes (ImageSource's default: read past the first).
        try (InputStream rest = archive.openBlob(layer, 100)) {
          assertArrayEquals(Arrays.copyOfRange(bytes, 100, bytes.length), rest.readAllBytes());
        }
      }
    }
  }

  @Test
  void aForeignLayerTheSourceDidNotHoldFailsTheArchiveNamingTheLayer(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("foreign.tar");
    byte[] layer = "layer".getBytes(UTF_8);
    Descriptor own = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(layer), layer.length);
    Descriptor foreign = Descriptor.builder()
        .setMediaType(MediaTypes.OCI_LAYER_ND)
        .setDigest(Digest.sha256("elsewhere".getBytes(UTF_8)))
        .setSize(9)
        .setUrls(com.google.common.collect.ImmutableList.of("https://example.invalid/layer"))
        .build();
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + own.digest() + "\",\"" + foreign.digest() + "\"]}}").getBytes(UTF_8);
    Descriptor c = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
        + ImageJson.toJson(c).toString() + ",\"layers\":[" + ImageJson.toJson(own).toString() + "," + ImageJson.toJson(foreign).toString() + "]}").getBytes(UTF_8);
    Descriptor m = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length);

    DockerArchiveDestination dest = DockerArchiveDestination.at(file);
    dest.putBlob(own, new java.io.ByteArrayInputStream(layer));
    dest.putBlob(c, new java.io.ByteArrayInputStream(config));
    IOException e = assertThrows(IOException.class, () -> dest.putManifest(m, manifest, Optional.of("foreign:1")));
    assertTrue(e.getMessage().contains("layer " + foreign.digest() + " is non-distributable (its content is at https://example.invalid/layer)"), e.getMessage());
    assertTrue(e.getMessage().contains("a docker archive must contain every layer it lists"), e.getMessage());
    assertEquals(false, Files.exists(file), "no archive that lists a layer it lacks");
  }

  @Test
  void manifestJsonWithLayersTwiceIsRefusedNamingTheKey(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("twice.tar");
    writeTar(file, "manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[\"a/layer.tar\"],\"Layers\":[]}]".getBytes(UTF_8));
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> DockerArchive.open(file));
    assertTrue(e.getMessage().contains("manifest.json: key \"Layers\" twice"), e.getMessage());
  }
}
