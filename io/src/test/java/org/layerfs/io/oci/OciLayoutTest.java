package org.layerfs.io.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;

class OciLayoutTest {
  private static final Digest MULTI_INDEX =
      Digest.parse("sha256:0a14b876c9558282628261ff4bfdceea5862dbf6221af1b979087fcf5f1d3b00");
  private static final Digest LAYERED_MANIFEST =
      Digest.parse("sha256:fe262bb3e3fe4b2200274a57528e4ee2d67c1cec4fc3280fa3454c519868a88d");

  private static ImageReference ref(Path dir, String tag) {
    return ImageReference.parse("oci:" + dir + ":" + tag);
  }

  private static Resolution resolve(Path dir, String tag, Optional<Platform> platform) throws IOException {
    try (OciLayout layout = OciLayout.open(dir)) {
      return layout.resolve(ref(dir, tag), platform);
    }
  }

  private static ResolvedImage single(Resolution r) {
    assertEquals(List.of(), r.failures());
    assertEquals(1, r.images().size(), "images: " + r.images());
    return r.images().get(0);
  }

  /** Streams every layer blob through a verifier to its end. */
  private static void verifyLayers(ImageSource source, ResolvedImage image) throws IOException {
    for (Descriptor layer : image.manifest().layers()) {
      try (VerifyingInputStream in = new VerifyingInputStream(source.openBlob(layer), layer, layer.digest().toString())) {
        in.drainAndVerify();
        assertEquals(layer.size(), in.count());
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "small, 2, application/vnd.oci.image.layer.v1.tar+gzip",
    "layered, 4, application/vnd.oci.image.layer.v1.tar+gzip",
    "layered-zstd, 4, application/vnd.oci.image.layer.v1.tar+zstd",
    "uncompressed, 1, application/vnd.oci.image.layer.v1.tar"
  })
  void everyTagResolves(String tag, int layers, String layerType) throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, tag), Optional.empty()));
      assertEquals(ref(dir, tag), image.reference());
      assertEquals(ImageReference.parse("oci:" + dir), image.store());
      assertEquals(Optional.empty(), image.indexDigest());
      assertEquals(Platform.parse("linux/amd64"), image.platform());
      assertEquals(layers, image.manifest().layers().size());
      assertEquals(layers, image.config().diffIds().size());
      for (Descriptor layer : image.manifest().layers()) {
        assertEquals(layerType, layer.mediaType());
      }
      Descriptor fromIndex =
          layout.index().manifests().stream().filter(d -> d.refName().equals(Optional.of(tag))).findFirst().orElseThrow();
      assertEquals(fromIndex, image.manifestDescriptor());
      verifyLayers(layout, image);
    }
  }

  @Test
  void zstdVariantHasTheSameConfigAsLayered() throws IOException {
    ResolvedImage gzip = single(resolve(TestData.images(), "layered", Optional.empty()));
    ResolvedImage zstd = single(resolve(TestData.images(), "layered-zstd", Optional.empty()));
    assertEquals(gzip.manifest().config(), zstd.manifest().config());
    assertEquals(gzip.config().diffIds(), zstd.config().diffIds());
  }

  @Test
  void gzipLayersDecompressToTheirDiffIds() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, "small"), Optional.empty()));
      for (int i = 0; i < image.manifest().layers().size(); i++) {
        try (InputStream in = new GZIPInputStream(layout.openBlob(image.manifest().layers().get(i)))) {
          assertEquals(image.config().diffIds().get(i), Digest.sha256(in.readAllBytes()));
        }
      }
    }
  }

  @Test
  void multiGivesTwoImages() throws IOException {
    Resolution r = resolve(TestData.images(), "multi", Optional.empty());
    assertEquals(List.of(), r.failures());
    assertEquals(
        Set.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64/v8")),
        r.images().stream().map(ResolvedImage::platform).collect(Collectors.toSet()));
    for (ResolvedImage image : r.images()) {
      assertEquals(Optional.of(MULTI_INDEX), image.indexDigest());
      assertEquals(1, image.manifest().layers().size());
      assertTrue(image.name().endsWith(":multi [" + image.platform() + "]"), image.name());
    }
  }

  @Test
  void variantlessPlatformSelectsArm64V8() throws IOException {
    ResolvedImage image = single(resolve(TestData.images(), "multi", Optional.of(Platform.parse("linux/arm64"))));
    assertEquals(Platform.parse("linux/arm64/v8"), image.platform());
    assertEquals(Optional.of(MULTI_INDEX), image.indexDigest());
    assertEquals(Optional.of(Platform.parse("linux/arm64/v8")), image.manifestDescriptor().platform());
  }

  @Test
  void platformSelectsAmd64() throws IOException {
    ResolvedImage image = single(resolve(TestData.images(), "multi", Optional.of(Platform.parse("linux/amd64"))));
    assertEquals(Platform.parse("linux/amd64"), image.platform());
  }

  @Test
  void absentPlatformIsAFailureNamingIt() throws IOException {
    Path dir = TestData.images();
    Resolution r = resolve(dir, "multi", Optional.of(Platform.parse("linux/s390x")));
    assertEquals(List.of(), r.images());
    assertEquals(1, r.failures().size());
    ImageFailure f = r.failures().get(0);
    assertEquals(ref(dir, "multi").toString(), f.image());
    assertTrue(f.message().contains("linux/s390x"), f.message());
  }

  @Test
  void untaggedListsEveryImageWithItsRefName() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      Resolution r = layout.resolve(ImageReference.parse("oci:" + dir), Optional.empty());
      assertEquals(List.of(), r.failures());
      assertEquals(
          List.of("small", "layered", "layered-zstd", "multi", "multi", "uncompressed"),
          r.images().stream().map(i -> i.reference().tag().orElse("?")).collect(Collectors.toList()));
      for (ResolvedImage image : r.images()) {
        assertEquals(dir.toString(), image.reference().location());
      }
    }
  }

  @Test
  void byDigest() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      ImageReference reference = ImageReference.parse("oci:" + dir + "@" + LAYERED_MANIFEST);
      ResolvedImage image = single(layout.resolve(reference, Optional.empty()));
      assertEquals(LAYERED_MANIFEST, image.manifestDigest());
      assertEquals(4, image.manifest().layers().size());
      assertEquals(reference, image.reference());
    }
  }

  @Test
  void missingTagThrowsNamingIt() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      IOException e = assertThrows(IOException.class, () -> layout.resolve(ref(dir, "no-such-tag"), Optional.empty()));
      assertTrue(e.getMessage().contains("\"no-such-tag\""), e.getMessage());
    }
  }

  @Test
  void missingDigestThrowsNamingIt() throws IOException {
    Path dir = TestData.images();
    Digest absent = Digest.sha256(new byte[] {1});
    try (OciLayout layout = OciLayout.open(dir)) {
      IOException e =
          assertThrows(IOException.class, () -> layout.resolve(ImageReference.parse("oci:" + dir).withDigest(absent), Optional.empty()));
      assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }
  }

  @Test
  void readBlobVerifiesConfig() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, "small"), Optional.empty()));
      Descriptor config = image.manifest().config();
      byte[] bytes = layout.readBlob(config);
      assertEquals(config.digest(), Digest.sha256(bytes));
      assertArrayEquals(Files.readAllBytes(layout.blobPath(config.digest())), bytes);
    }
  }

  @Test
  void blobPathIsAlgorithmThenHex() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      assertEquals(dir.resolve("blobs/sha256/" + LAYERED_MANIFEST.hex()), layout.blobPath(LAYERED_MANIFEST));
      assertTrue(Files.isRegularFile(layout.blobPath(LAYERED_MANIFEST)));
    }
  }

  @Test
  void imageSourcesOpensALayout() throws IOException {
    try (ImageSource source = ImageSources.open(ImageReference.parse("oci:" + TestData.images() + ":small"))) {
      assertTrue(source instanceof OciLayout);
    }
  }

  @Test
  void notADirectory(@TempDir Path tmp) {
    Path absent = tmp.resolve("absent");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> OciLayout.open(absent));
    assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
  }

  @Test
  void directoryWithoutOciLayoutFile(@TempDir Path tmp) {
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> OciLayout.open(tmp));
    assertTrue(e.getMessage().contains("oci-layout"), e.getMessage());
    assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
  }

  @Test
  void unsupportedLayoutVersion(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> OciLayout.open(tmp));
    assertTrue(e.getMessage().contains("\"2.0.0\""), e.getMessage());
  }

  @Test
  void missingIndexJson(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    try (OciLayout layout = OciLayout.open(tmp)) {
      ImageFormatException e =
          assertThrows(ImageFormatException.class, () -> layout.resolve(ImageReference.parse("oci:" + tmp), Optional.empty()));
      assertTrue(e.getMessage().contains("index.json") && e.getMessage().contains("missing"), e.getMessage());
    }
  }

  // --- testdata/bad ---

  @Test
  void malformedIndexThrows() throws IOException {
    Path dir = TestData.bad("malformed-index");
    try (OciLayout layout = OciLayout.open(dir)) {
      ImageFormatException e =
          assertThrows(ImageFormatException.class, () -> layout.resolve(ref(dir, "small"), Optional.empty()));
      assertTrue(e.getMessage().contains(dir.resolve("index.json").toString()), e.getMessage());
      assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    }
  }

  @Test
  void malformedManifestIsAFailureInTheResolution() throws IOException {
    Path dir = TestData.bad("malformed-manifest");
    Resolution r = resolve(dir, "small", Optional.empty());
    assertEquals(List.of(), r.images());
    assertEquals(1, r.failures().size());
    ImageFailure f = r.failures().get(0);
    assertEquals(ref(dir, "small").toString(), f.image());
    assertTrue(f.message().contains("manifest sha256:f7b7d809e2fdd88cae2869cd8242fd75911f7cb4d2c94befd7fa5bff0a523002"), f.message());
    assertTrue(f.message().contains("malformed JSON"), f.message());
  }

  @Test
  void missingBlobNamesTheDigest() throws IOException {
    Path dir = TestData.bad("missing-blob");
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, "small"), Optional.empty()));
      Descriptor layer = image.manifest().layers().get(0);
      NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> layout.openBlob(layer));
      assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
  }

  @Test
  void wrongDigestFailsVerification() throws IOException {
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> verifyFirstLayer("wrong-digest"));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
  }

  @Test
  void aBlobOpenedAtAnOffsetStartsThere() throws IOException {
    try (OciLayout layout = OciLayout.open(TestData.images())) {
      Descriptor layer = single(layout.resolve(ref(TestData.images(), "small"), Optional.empty())).manifest().layers().get(0);
      byte[] bytes;
      try (InputStream in = layout.openBlob(layer)) {
        bytes = in.readAllBytes();
      }
      try (InputStream rest = layout.openBlob(layer, 10)) {
        assertArrayEquals(Arrays.copyOfRange(bytes, 10, bytes.length), rest.readAllBytes());
      }
      try (InputStream end = layout.openBlob(layer, layer.size())) {
        assertEquals(-1, end.read());
      }
    }
  }

  @Test
  void truncatedFailsVerification() throws IOException {
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> verifyFirstLayer("truncated"));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  private static void verifyFirstLayer(String bad) throws IOException {
    Path dir = TestData.bad(bad);
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, "small"), Optional.empty()));
      Descriptor layer = image.manifest().layers().get(0);
      try (VerifyingInputStream in = new VerifyingInputStream(layout.openBlob(layer), layer, "layer")) {
        in.drainAndVerify();
      }
    }
  }

  @Test
  void badDiffIdResolvesButLayerDoesNotMatchIt() throws IOException {
    Path dir = TestData.bad("bad-diffid");
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = single(layout.resolve(ref(dir, "small"), Optional.empty()));
      verifyLayers(layout, image);
      try (InputStream in = new GZIPInputStream(layout.openBlob(image.manifest().layers().get(0)))) {
        assertFalse(image.config().diffIds().get(0).equals(Digest.sha256(in.readAllBytes())));
      }
    }
  }

  @Test
  void unknownMediaTypeResolves() throws IOException {
    ResolvedImage image = single(resolve(TestData.bad("unknown-mediatype"), "small", Optional.empty()));
    assertEquals("application/x-unknown", image.manifest().layers().get(0).mediaType());
    assertFalse(MediaTypes.layerCompression("application/x-unknown").isPresent());
  }

  @Test
  void twoImagesResolveAndOnlyBrokenMissesABlob() throws IOException {
    Path dir = TestData.bad("two-images");
    try (OciLayout layout = OciLayout.open(dir)) {
      Resolution r = layout.resolve(ImageReference.parse("oci:" + dir), Optional.empty());
      assertEquals(List.of(), r.failures());
      assertEquals(2, r.images().size());
      for (ResolvedImage image : r.images()) {
        String tag = image.reference().tag().orElseThrow();
        if (tag.equals("good")) {
          verifyLayers(layout, image);
        } else {
          assertEquals("broken", tag);
          assertThrows(NoSuchFileException.class, () -> verifyLayers(layout, image));
        }
      }
    }
  }

  @Test
  void indexJsonWithManifestsTwiceIsRefusedNamingTheKey(@TempDir Path tmp) throws IOException {
    Files.writeString(tmp.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(tmp.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}");
    try (OciLayout layout = OciLayout.open(tmp)) {
      ImageFormatException e =
          assertThrows(ImageFormatException.class, () -> layout.resolve(ImageReference.parse("oci:" + tmp), Optional.empty()));
      assertTrue(e.getMessage().contains("index.json") && e.getMessage().contains("key \"manifests\" twice"), e.getMessage());
    }
  }
}
