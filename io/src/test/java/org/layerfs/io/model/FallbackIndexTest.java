package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The referrers tag schema: tag names, the entry of a referrer, and the merge that keeps what is there. */
class FallbackIndexTest {
  private static final Digest SUBJECT = Digest.sha256("image".getBytes(UTF_8));

  @Test
  void namesTheFallbackAndLegacyTagsOfADigest() {
    assertEquals("sha256-" + SUBJECT.hex(), FallbackIndex.tag(SUBJECT));
    assertTrue(FallbackIndex.isTag(FallbackIndex.tag(SUBJECT)));
    assertFalse(FallbackIndex.isTag("sha256-abc"));
    assertFalse(FallbackIndex.isTag("latest"));
    assertEquals(List.of("sha256-" + SUBJECT.hex() + ".sig", "sha256-" + SUBJECT.hex() + ".att", "sha256-" + SUBJECT.hex() + ".sbom"),
        FallbackIndex.legacyTags(SUBJECT));
    assertTrue(FallbackIndex.isLegacyTag("sha256-" + SUBJECT.hex() + ".att"));
    assertFalse(FallbackIndex.isLegacyTag("sha256-" + SUBJECT.hex() + ".tar"));
    assertFalse(FallbackIndex.isLegacyTag(FallbackIndex.tag(SUBJECT)));
  }

  @Test
  void anEntryCarriesTheArtifactTypeAndAnnotations() throws Exception {
    byte[] withType = manifest("\"artifactType\":\"application/spdx+json\",\"annotations\":{\"a\":\"b\"},");
    Descriptor e = FallbackIndex.entry(descriptor(withType), withType);
    assertEquals(Optional.of("application/spdx+json"), e.artifactType());
    assertEquals("b", e.annotations().get("a"));
    byte[] withoutType = manifest("");
    assertEquals(Optional.of("application/vnd.example.config+json"), FallbackIndex.entry(descriptor(withoutType), withoutType).artifactType());
  }

  @Test
  void mergingKeepsTheEntriesThereAndAddsEachReferrerOnce() throws Exception {
    byte[] first = manifest("\"artifactType\":\"application/spdx+json\",");
    byte[] second = manifest("\"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\",");
    Descriptor a = FallbackIndex.entry(descriptor(first), first);
    Descriptor b = FallbackIndex.entry(descriptor(second), second);

    byte[] one = FallbackIndex.merge(Optional.empty(), a, "test").orElseThrow();
    byte[] two = FallbackIndex.merge(Optional.of(one), b, "test").orElseThrow();
    ImageIndex index = ImageJson.parseManifestOrIndex(two, MediaTypes.OCI_INDEX, "test").index().orElseThrow();
    assertEquals(List.of(a, b), index.manifests());
    assertEquals(Optional.empty(), FallbackIndex.merge(Optional.of(two), a, "test"), "already listed: nothing to write");
  }

  @Test
  void aFallbackTagThatNamesAManifestIsRefused() throws Exception {
    byte[] m = manifest("");
    ImageFormatException e = assertThrows(ImageFormatException.class,
        () -> FallbackIndex.merge(Optional.of(m), FallbackIndex.entry(descriptor(m), m), "oci:x:sha256-1"));
    assertTrue(e.getMessage().contains("oci:x:sha256-1"), e.getMessage());
  }

  @Test
  void artifactsAreToldFromImages() throws Exception {
    assertTrue(parse(manifest("\"artifactType\":\"application/spdx+json\",")).isArtifact());
    assertTrue(parse(manifest("")).isArtifact(), "a config that is no image config");
    String cosign = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config(MediaTypes.OCI_CONFIG)
        + ",\"layers\":[" + config("application/vnd.dev.cosign.simplesigning.v1+json") + "]}";
    assertTrue(parse(cosign.getBytes(UTF_8)).isArtifact(), "layers that are JSON documents");
    String image = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config(MediaTypes.OCI_CONFIG)
        + ",\"layers\":[" + config(MediaTypes.OCI_LAYER_GZIP) + "]}";
    assertFalse(parse(image.getBytes(UTF_8)).isArtifact());
    String unknown = image.replace(MediaTypes.OCI_LAYER_GZIP, "application/x-unknown");
    assertFalse(parse(unknown.getBytes(UTF_8)).isArtifact(), "an unknown layer type is a broken image, reported as such");
  }

  private static Manifest parse(byte[] bytes) throws ImageFormatException {
    return ImageJson.parseManifestOrIndex(bytes, "", "test").manifest().orElseThrow();
  }

  private static String config(String mediaType) {
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.sha256(mediaType.getBytes(UTF_8)) + "\",\"size\":2}";
  }

  private static byte[] manifest(String extra) {
    return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"," + extra + "\"config\":"
        + config("application/vnd.example.config+json") + ",\"layers\":[],\"subject\":{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"digest\":\"" + SUBJECT + "\",\"size\":10}}").getBytes(UTF_8);
  }

  private static Descriptor descriptor(byte[] bytes) {
    return Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(bytes), bytes.length);
  }
}
