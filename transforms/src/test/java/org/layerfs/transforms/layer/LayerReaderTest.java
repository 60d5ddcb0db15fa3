package org.layerfs.transforms.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.io.archive.DockerArchive;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.testing.TarBuilder;

class LayerReaderTest {
  private static final byte[] CONTENT_A = "alpha\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final byte[] CONTENT_B = new byte[70_000];

  static {
    new Random(11).nextBytes(CONTENT_B);
  }

  /** 6 entries: dir, 2 files (6 + 70000 bytes), a hardlink to the big one, a symlink, a whiteout. */
  private static byte[] tar() {
    return new TarBuilder()
        .dir("data")
        .file("data/a.txt", CONTENT_A)
        .file("data/b.bin", CONTENT_B)
        .hardlink("data/b-link.bin", "data/b.bin")
        .symlink("data/a-link", "a.txt")
        .whiteout("data/gone")
        .bytes();
  }

  private static Digest diffId(byte[] tar) throws Exception {
    return Digest.fromBytes("sha256", MessageDigest.getInstance("SHA-256").digest(tar));
  }

  private static Descriptor descriptor(String mediaType, byte[] blob) {
    return Descriptor.of(mediaType, Digest.sha256(blob), blob.length);
  }

  private static LayerSummary read(byte[] blob, Descriptor d, List<FileEntry> sink) throws IOException {
    return new LayerReader().read(new ByteArrayInputStream(blob), d, sink::add);
  }

  private static void assertSummary(byte[] tar, byte[] blob, String mediaType, String compression) throws Exception {
    Descriptor d = descriptor(mediaType, blob);
    List<FileEntry> entries = new ArrayList<>();
    LayerSummary s = read(blob, d, entries);
    assertEquals(d.digest(), s.digest());
    assertEquals(diffId(tar), s.diffId());
    assertEquals(mediaType, s.mediaType());
    assertEquals(compression, s.compression());
    assertEquals(blob.length, s.size());
    assertEquals(tar.length, s.uncompressedSize());
    assertEquals(6, s.entries());
    assertEquals(6, entries.size());
    assertEquals(CONTENT_A.length + CONTENT_B.length, s.fileBytes(), "a hardlink's content is not counted twice");
    for (FileEntry e : entries) {
      assertEquals(d.digest().toString(), e.layer());
    }
    FileEntry link = entries.get(3);
    assertEquals(EntryType.HARDLINK, link.type());
    assertEquals(entries.get(2).sha256(), link.sha256());
    assertEquals(Optional.of("data/gone"), entries.get(5).whiteout());
  }

  @Test
  void gzipLayer() throws Exception {
    byte[] tar = tar();
    assertSummary(tar, TarBuilder.gzip(tar), MediaTypes.OCI_LAYER_GZIP, "gzip");
  }

  @Test
  void dockerGzipLayer() throws Exception {
    byte[] tar = tar();
    assertSummary(tar, TarBuilder.gzip(tar), MediaTypes.DOCKER_LAYER_GZIP, "gzip");
  }

  @Test
  void zstdLayer() throws Exception {
    byte[] tar = tar();
    assertSummary(tar, TarBuilder.zstd(tar), MediaTypes.OCI_LAYER_ZSTD, "zstd");
  }

  @Test
  void plainLayer() throws Exception {
    byte[] tar = tar();
    assertSummary(tar, tar, MediaTypes.OCI_LAYER, "none");
  }

  @Test
  void diffIdCoversPaddingAfterTheEndMarker() throws Exception {
    // A tar padded with extra zero records after its end-of-archive marker: all of it is the diffID.
    byte[] tar = Arrays.copyOf(tar(), tar().length + 10240);
    LayerSummary s = read(TarBuilder.gzip(tar), descriptor(MediaTypes.OCI_LAYER_GZIP, TarBuilder.gzip(tar)), new ArrayList<>());
    assertEquals(diffId(tar), s.diffId());
    assertEquals(tar.length, s.uncompressedSize());
  }

  @Test
  void wrongBlobDigestIsABlobVerificationException() {
    byte[] blob = TarBuilder.gzip(tar());
    Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[] {1}), blob.length);
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> read(blob, d, new ArrayList<>()));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
  }

  @Test
  void wrongBlobDigestWinsOverCorruptGzip() {
    byte[] blob = new byte[2000];
    new Random(9).nextBytes(blob);
    byte[] header = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    System.arraycopy(header, 0, blob, 0, header.length);
    // First: with the right digest the failure is the format.
    LayerFormatException format =
        assertThrows(LayerFormatException.class, () -> read(blob, descriptor(MediaTypes.OCI_LAYER_GZIP, blob), new ArrayList<>()));
    assertTrue(format.getMessage().startsWith("corrupt gzip"), format.getMessage());
    // With a wrong digest the blob is to blame, and the format error rides along.
    Descriptor wrong = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[] {2}), blob.length);
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> read(blob, wrong, new ArrayList<>()));
    assertEquals(1, e.getSuppressed().length);
    assertTrue(e.getSuppressed()[0] instanceof LayerFormatException);
  }

  @Test
  void wrongBlobDigestWinsOverMediaTypeMismatch() {
    byte[] blob = tar();
    Descriptor wrong = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[] {3}), blob.length);
    assertThrows(BlobVerificationException.class, () -> read(blob, wrong, new ArrayList<>()));
  }

  @Test
  void truncatedBlobIsABlobVerificationException() {
    byte[] full = TarBuilder.gzip(tar());
    byte[] cut = Arrays.copyOf(full, full.length / 2);
    Descriptor d = descriptor(MediaTypes.OCI_LAYER_GZIP, full);
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> read(cut, d, new ArrayList<>()));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void blobLongerThanDeclaredIsABlobVerificationException() {
    byte[] tar = tar();
    Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length - 512);
    assertThrows(BlobVerificationException.class, () -> read(tar, d, new ArrayList<>()));
  }

  @Test
  void mediaTypeMismatchWithRightDigestIsALayerFormatException() {
    byte[] blob = tar();
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> read(blob, descriptor(MediaTypes.OCI_LAYER_ZSTD, blob), new ArrayList<>()));
    assertTrue(e.getMessage().contains("zstd") && e.getMessage().contains("none"), e.getMessage());
  }

  @Test
  void brokenTarInsideGoodGzipIsALayerFormatException() {
    byte[] garbage = new byte[1500];
    new Random(10).nextBytes(garbage);
    byte[] blob = TarBuilder.gzip(garbage);
    assertThrows(LayerFormatException.class, () -> read(blob, descriptor(MediaTypes.OCI_LAYER_GZIP, blob), new ArrayList<>()));
  }

  @Test
  void unknownMediaTypeIsRefused() {
    byte[] blob = tar();
    LayerFormatException e =
        assertThrows(LayerFormatException.class, () -> read(blob, descriptor("application/x-unknown", blob), new ArrayList<>()));
    assertTrue(e.getMessage().contains("\"application/x-unknown\""), e.getMessage());
  }

  @Test
  void readerIsReusable() throws Exception {
    LayerReader reader = new LayerReader();
    byte[] one = new TarBuilder().file("x", "1").bytes();
    byte[] two = tar();
    LayerSummary s1 = reader.read(new ByteArrayInputStream(one), descriptor(MediaTypes.OCI_LAYER, one), e -> {});
    LayerSummary s2 = reader.read(new ByteArrayInputStream(two), descriptor(MediaTypes.OCI_LAYER, two), e -> {});
    assertEquals(1, s1.entries());
    assertEquals(6, s2.entries());
    assertEquals(diffId(two), s2.diffId());
  }

  // --- the committed fixtures ---

  private static List<ResolvedImage> resolve(ImageSource source, ImageReference ref) throws IOException {
    Resolution r = source.resolve(ref, Optional.empty());
    assertEquals(List.of(), r.failures());
    return r.images();
  }

  private static void assertDiffIdsMatch(ImageSource source, ResolvedImage image) throws IOException {
    for (int i = 0; i < image.manifest().layers().size(); i++) {
      Descriptor layer = image.manifest().layers().get(i);
      List<FileEntry> entries = new ArrayList<>();
      LayerSummary s;
      try (InputStream in = source.openBlob(layer)) {
        s = new LayerReader().read(in, layer, entries::add);
      }
      assertEquals(image.config().diffIds().get(i), s.diffId(), image.name() + " layer " + i);
      assertEquals(layer.size(), s.size());
      assertEquals(entries.size(), s.entries());
      assertTrue(s.entries() > 0);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"small", "layered", "layered-zstd", "multi", "uncompressed"})
  void fixtureLayersMatchTheirDiffIds(String tag) throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      for (ResolvedImage image : resolve(layout, ImageReference.parse("oci:" + dir + ":" + tag))) {
        assertDiffIdsMatch(layout, image);
      }
    }
  }

  @Test
  void fixtureArchivesMatchTheirDiffIds() throws IOException {
    for (Path file : List.of(TestData.layeredDockerArchive(), TestData.smallOciDockerArchive())) {
      try (DockerArchive archive = DockerArchive.open(file)) {
        List<ResolvedImage> images = resolve(archive, ImageReference.parse("docker-archive:" + file));
        assertEquals(1, images.size());
        assertDiffIdsMatch(archive, images.get(0));
      }
    }
  }

  @Test
  void fixtureLayer3HasTheSpecialEntries() throws IOException {
    Path dir = TestData.images();
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = resolve(layout, ImageReference.parse("oci:" + dir + ":layered")).get(0);
      Descriptor layer = image.manifest().layers().get(2);
      List<FileEntry> entries = new ArrayList<>();
      try (InputStream in = layout.openBlob(layer)) {
        new LayerReader().read(in, layer, entries::add);
      }
      java.util.Map<String, FileEntry> m = new java.util.HashMap<>();
      entries.forEach(e -> m.put(e.path(), e));
      assertEquals(04755, m.get("bin/suid-tool").mode());
      assertEquals(01777, m.get("shared").mode());
      assertEquals(EntryType.FIFO, m.get("special/fifo").type());
      assertEquals(EntryType.HARDLINK, m.get("special/hardlink.txt").type());
      assertEquals(m.get("special/hardlink-target.txt").sha256(), m.get("special/hardlink.txt").sha256());
      assertEquals(1000, m.get("home/user/owned.txt").uid());
      assertTrue(m.containsKey("données/café-ünïcødé.txt"), m.keySet().toString());
      assertEquals("fixture", m.get("attrs/xattr.txt").xattrs().get("user.layerfs"));
      assertEquals(1234567890L, m.get("times/fixed-mtime.txt").mtime());
      assertTrue(m.keySet().stream().anyMatch(p -> p.startsWith("long/") && p.length() == 113), m.keySet().toString());
    }
  }

  private static IOException readBadFirstLayer(String bad) throws IOException {
    Path dir = TestData.bad(bad);
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = resolve(layout, ImageReference.parse("oci:" + dir + ":small")).get(0);
      Descriptor layer = image.manifest().layers().get(0);
      try (InputStream in = layout.openBlob(layer)) {
        new LayerReader().read(in, layer, e -> {});
      }
      return null;
    } catch (IOException e) {
      return e;
    }
  }

  @Test
  void badWrongDigest() throws IOException {
    IOException e = readBadFirstLayer("wrong-digest");
    assertTrue(e instanceof BlobVerificationException, String.valueOf(e));
  }

  @Test
  void badTruncated() throws IOException {
    IOException e = readBadFirstLayer("truncated");
    assertTrue(e instanceof BlobVerificationException, String.valueOf(e));
  }

  @Test
  void badCorruptGzip() throws IOException {
    IOException e = readBadFirstLayer("corrupt-gzip");
    assertTrue(e instanceof LayerFormatException, String.valueOf(e));
    assertTrue(e.getMessage().startsWith("corrupt gzip"), e.getMessage());
  }

  @Test
  void badTar() throws IOException {
    IOException e = readBadFirstLayer("bad-tar");
    assertTrue(e instanceof LayerFormatException, String.valueOf(e));
    assertTrue(e.getMessage().contains("tar"), e.getMessage());
  }

  @Test
  void badUnknownMediaType() throws IOException {
    IOException e = readBadFirstLayer("unknown-mediatype");
    assertTrue(e instanceof LayerFormatException, String.valueOf(e));
    assertTrue(e.getMessage().contains("application/x-unknown"), e.getMessage());
  }

  @Test
  void badDiffIdReadsButDiffers() throws IOException {
    Path dir = TestData.bad("bad-diffid");
    try (OciLayout layout = OciLayout.open(dir)) {
      ResolvedImage image = resolve(layout, ImageReference.parse("oci:" + dir + ":small")).get(0);
      Descriptor layer = image.manifest().layers().get(0);
      LayerSummary s;
      try (InputStream in = layout.openBlob(layer)) {
        s = new LayerReader().read(in, layer, e -> {});
      }
      assertNotEquals(image.config().diffIds().get(0), s.diffId());
    }
  }
}
