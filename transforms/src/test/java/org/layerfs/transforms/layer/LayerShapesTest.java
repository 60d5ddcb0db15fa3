package org.layerfs.transforms.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;
import org.layerfs.transforms.tar.FileEntry;

/**
 * Reads the layers of testdata/shapes (made by GNU tar, Python's tarfile, zstd, pigz; see
 * testdata/README.md) and checks what the catalog gets: real sizes and expanded content of
 * sparse files, ids past 31 bits, times before 1970 and after 2038, and every stream's diffID.
 */
class LayerShapesTest {
  /** What the fixture builder writes as sparse.bin: data, a hole, data, a hole to 256 KiB. */
  private static final byte[] SPARSE = sparseContent();

  private static byte[] sparseContent() {
    byte[] b = new byte[262144];
    byte[] head = "head".repeat(1024).getBytes(StandardCharsets.US_ASCII);
    byte[] middle = "middle".repeat(512).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, b, 0, head.length);
    System.arraycopy(middle, 0, b, 102400, middle.length);
    return b;
  }

  private static ResolvedImage image(OciLayout layout, String tag) throws IOException {
    ImageReference ref = ImageReference.parse("oci:" + TestData.shapes().toAbsolutePath() + ":" + tag);
    return layout.resolve(ref, Optional.empty()).images().get(0);
  }

  /** Every layer of shape {@code tag} read as the index reads it; each diffID checked against the config's. */
  private static Map<String, FileEntry> read(String tag) throws IOException {
    List<FileEntry> entries = new ArrayList<>();
    OciLayout layout = OciLayout.open(TestData.shapes());
    ResolvedImage image = image(layout, tag);
    try (LayerReader reader = new LayerReader()) {
      for (int i = 0; i < image.manifest().layers().size(); i++) {
        Descriptor d = image.manifest().layers().get(i);
        try (InputStream in = layout.openBlob(d)) {
          LayerSummary s = reader.read(in, d, entries::add);
          assertEquals(image.config().diffIds().get(i), s.diffId(), tag + " layer " + i + ": diffID over the raw tar stream");
        }
      }
    }
    return entries.stream().collect(Collectors.toMap(FileEntry::path, Function.identity(), (a, b) -> b));
  }

  static List<String> allShapes() throws IOException {
    return OciLayout.open(TestData.shapes()).index().manifests().stream().map(d -> d.refName().orElseThrow()).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allShapes")
  void everyShapeIsReadWithItsDiffId(String tag) throws IOException {
    read(tag);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sparse-pax-0.0", "sparse-pax-0.1", "sparse-pax-1.0", "sparse-gnu"})
  void sparseFileHasItsRealSizeAndTheHashOfItsExpandedContent(String tag) throws IOException {
    Map<String, FileEntry> e = read(tag);
    assertEquals(List.of("plain.txt", "sparse.bin"), e.keySet().stream().sorted().toList(), "the real name, not GNUSparseFile.1/...");
    FileEntry sparse = e.get("sparse.bin");
    assertEquals(262144, sparse.size());
    assertEquals(Optional.of(Hashing.sha256().hashBytes(SPARSE).toString()), sparse.sha256());
    assertEquals(Map.of(), sparse.pax(), "GNU.sparse.* records describe the encoding, not the file");
    assertEquals(11, e.get("plain.txt").size());
  }

  @Test
  void base256IdsPast31BitsAreUnsigned() throws IOException {
    Map<String, FileEntry> e = read("big-ids");
    assertEquals(4294967294L, e.get("nobody.txt").uid());
    assertEquals(4294967294L, e.get("nobody.txt").gid());
    assertEquals(2147483648L, e.get("two-to-31.txt").uid());
    assertEquals(2147483649L, e.get("two-to-31.txt").gid());
  }

  @Test
  void paxIdsPast31Bits() throws IOException {
    FileEntry e = read("big-ids-pax").get("nobody.txt");
    assertEquals(4294967294L, e.uid());
    assertEquals(4294967294L, e.gid());
  }

  @Test
  void base256TimesBefore1970AndAfter2038() throws IOException {
    Map<String, FileEntry> e = read("times-gnu");
    assertEquals(-315619200L, e.get("pre-1970.txt").mtime());
    assertEquals(4102444800L, e.get("post-2038.txt").mtime());
    assertEquals(1L << 33, e.get("base-256.txt").mtime());
  }

  @Test
  void paxTimesAreTheSecondTheyFallIn() throws IOException {
    Map<String, FileEntry> e = read("times-pax");
    // -315619200.25 is 1959-12-31T23:59:59.75Z: in the second -315619201, as stat(2) reports it.
    assertEquals(-315619201L, e.get("pre-1970.txt").mtime());
    assertEquals(4102444800L, e.get("post-2038.txt").mtime());
    assertEquals(1700000000L, e.get("fraction.txt").mtime());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zstd-skippable", "pigz", "estargz"})
  void compressedStreamsReadAsThePlainTar(String tag) throws IOException {
    assertEquals(read("streams"), rebase(read(tag), read("streams")));
  }

  /** {@code entries} with the layer digest of the matching entry of {@code like}: only the layer may differ. */
  private static Map<String, FileEntry> rebase(Map<String, FileEntry> entries, Map<String, FileEntry> like) {
    String layer = like.values().iterator().next().layer();
    return entries.values().stream().collect(Collectors.toMap(FileEntry::path, f -> f.toBuilder().setLayer(layer).build()));
  }
}
