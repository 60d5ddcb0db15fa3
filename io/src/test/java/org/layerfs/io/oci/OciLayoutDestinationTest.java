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

  private static List<Path> blobFiles(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("blobs"))) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir.resolve("blobs"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
