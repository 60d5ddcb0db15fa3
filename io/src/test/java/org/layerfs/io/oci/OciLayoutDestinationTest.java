package org.layerfs.io.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.ref.ImageReference;

/** The OCI layout destination's guarantees, on real files. */
class OciLayoutDestinationTest {
  @TempDir Path tmp;

  static Descriptor blob(String mediaType, byte[] bytes) {
    return Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aBlobThatDoesNotMatchItsDigestLeavesNothing() throws IOException {
    Path dir = tmp.resolve("layout");
    OciLayoutDestination dest = OciLayoutDestination.at(dir);
    Descriptor layer = blob(MediaTypes.OCI_LAYER, utf8("the real bytes"));

    BlobVerificationException e = assertThrows(BlobVerificationException.class,
        () -> dest.putBlob(layer, new ByteArrayInputStream(utf8("other bytes!!!"))));

    assertTrue(e.getMessage().contains("digest mismatch: expected " + layer.digest()), e.getMessage());
    assertFalse(dest.hasBlob(layer));
    assertEquals(List.of(), blobFiles(dir));
  }

  /** All the tags asked for, from one index.json, as {@code tagDigest} answers each. */
  @Test
  void tagDigestsAnswerAsTagDigestDoesForEachTag() throws IOException {
    OciLayoutDestination dest = OciLayoutDestination.at(tmp.resolve("layout"));
    byte[] first = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}");
    byte[] second = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[],\"annotations\":{}}");
    dest.putManifest(blob(MediaTypes.OCI_INDEX, first), first, Optional.of("a"));
    dest.putManifest(blob(MediaTypes.OCI_INDEX, first), first, Optional.of("b"));
    dest.putManifest(blob(MediaTypes.OCI_INDEX, second), second, Optional.of("b"));

    Map<String, Digest> digests = dest.tagDigests(List.of("a", "b", "missing"));

    assertEquals(Map.of("a", Digest.sha256(first), "b", Digest.sha256(second)), digests);
    for (String tag : List.of("a", "b", "missing")) {
      assertEquals(dest.tagDigest(tag), Optional.ofNullable(digests.get(tag)), tag);
    }
  }

  @Test
  void writesBlobsThenTheManifestThenTheTagAndCollectsGarbage() throws IOException {
    Path dir = tmp.resolve("layout");
    OciLayoutDestination dest = OciLayoutDestination.at(dir);
    assertFalse(Files.exists(dir), "nothing is created before a write");
    byte[] layer = utf8("layer");
    byte[] config = utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(layer) + "\"]}}");
    Descriptor l = blob(MediaTypes.OCI_LAYER, layer);
    Descriptor c = blob(MediaTypes.OCI_CONFIG, config);
    byte[] manifest = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + c.mediaType() + "\",\"digest\":\"" + c.digest() + "\",\"size\":" + c.size() + "},\"layers\":[{\"mediaType\":\""
        + l.mediaType() + "\",\"digest\":\"" + l.digest() + "\",\"size\":" + l.size() + "}]}");
    Descriptor m = blob(MediaTypes.OCI_MANIFEST, manifest);

    IOException early = assertThrows(IOException.class, () -> dest.putManifest(m, manifest, Optional.of("v1")));
    assertTrue(early.getMessage().contains("references " + c.digest() + ", which is not in the layout"), early.getMessage());
    assertEquals(ImmutableList.of(), dest.tags());

    dest.putBlob(l, new ByteArrayInputStream(layer));
    dest.putBlob(c, new ByteArrayInputStream(config));
    dest.putManifest(m, manifest, Optional.of("v1"));
    dest.putManifest(m, manifest, Optional.of("v1"));

    assertEquals(ImmutableList.of("v1"), dest.tags());
    assertEquals(Optional.of(m.digest()), dest.tagDigest("v1"));
    Resolution r = OciLayout.open(dir).resolve(ImageReference.parse("oci:" + dir + ":v1"), Optional.empty());
    assertEquals(1, r.images().size());
    assertEquals(m.digest(), r.images().get(0).manifestDigest());

    Path lockFile = dir.resolve(StoreLock.FILE_NAME);
    try (StoreLock lock = StoreLock.layout(dir)) {
      IOException locked = assertThrows(IOException.class, () -> StoreLock.layout(dir));
      assertTrue(locked.getMessage().contains("pid " + ProcessHandle.current().pid() + ", lock file " + lockFile), locked.getMessage());
      dest.removeTags(List.of("v1"));
      assertEquals(3, dest.collectGarbage());
    }
    assertEquals(ImmutableList.of(), dest.tags());
    assertEquals(List.of(), blobFiles(dir));
  }

  @Test
  void lockingAStoreRemovesWhatInterruptedWritesLeftThereAndNothingElse() throws IOException {
    Path dir = tmp.resolve("layout");
    OciLayoutDestination dest = OciLayoutDestination.at(dir);
    Descriptor layer = blob(MediaTypes.OCI_LAYER, utf8("layer"));
    dest.putBlob(layer, new ByteArrayInputStream(utf8("layer")));
    Path sha256 = dir.resolve("blobs/sha256");
    List<Path> leftovers = List.of(
        dir.resolve(".index.json-0b6f2a4e-1c1d-4c47-9f5e-3f1c2d9a8b7c.tmp"),
        sha256.resolve("." + layer.digest().hex() + "-5d2c7a1b-8e3f-4a6b-9c0d-1e2f3a4b5c6d.tmp"));
    List<Path> others = List.of(dir.resolve("notes.tmp"), dir.resolve(".index.json.tmp"), sha256.resolve(layer.digest().hex()));
    for (Path p : leftovers) {
      Files.write(p, utf8("half"));
    }
    Files.write(others.get(0), utf8("mine"));
    Files.write(others.get(1), utf8("mine"));

    Path archive = tmp.resolve("image.tar");
    Path staging = tmp.resolve(".image.tar.layerfs-staging/blobs/sha256");
    Files.createDirectories(staging);
    Path archiveTmp = tmp.resolve(".image.tar-7a1b2c3d-4e5f-4a6b-8c9d-0e1f2a3b4c5d.tmp");
    Files.write(archiveTmp, utf8("half an archive"));

    try (java.io.Closeable lock = org.layerfs.io.dest.ImageDestinations.lock(ImageReference.parse("oci:" + dir));
        java.io.Closeable archiveLock = org.layerfs.io.dest.ImageDestinations.lock(ImageReference.parse("docker-archive:" + archive))) {
      for (Path p : leftovers) {
        assertFalse(Files.exists(p), p.toString());
      }
      for (Path p : others) {
        assertTrue(Files.exists(p), p.toString());
      }
      assertFalse(Files.exists(staging.getParent().getParent()), "the archive's staging layout is removed");
      assertFalse(Files.exists(archiveTmp));
    }
  }

  private static List<Path> blobFiles(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("blobs"))) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir.resolve("blobs"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
