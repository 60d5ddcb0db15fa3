package org.layerfs.io.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageJsonTest {
  private static final String WHAT = "manifest of oci:test:doc";
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);
  private static final String D3 = "sha256:" + "3".repeat(64);

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(UTF_8);
  }

  private static final String CONFIG =
      "'config':{'mediaType':'application/vnd.oci.image.config.v1+json','digest':'" + D1 + "','size':7}";
  private static final String LAYERS =
      "'layers':[{'mediaType':'application/vnd.oci.image.layer.v1.tar+gzip','digest':'" + D2 + "','size':100},"
          + "{'mediaType':'application/vnd.oci.image.layer.v1.tar+zstd','digest':'" + D3 + "','size':200,"
          + "'urls':['https://example.com/l'],'annotations':{'a':'b'}}]";

  private static ImageFormatException refused(String doc) {
    ImageFormatException e =
        assertThrows(ImageFormatException.class, () -> ImageJson.parseManifestOrIndex(json(doc), "", WHAT));
    assertTrue(e.getMessage().startsWith(WHAT + ":") || e.getMessage().startsWith(WHAT + " "), "names the document: " + e.getMessage());
    return e;
  }

  @Test
  void ociManifest() throws Exception {
    ImageJson.Document doc =
        ImageJson.parseManifestOrIndex(
            json("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG + "," + LAYERS + "}"),
            "", WHAT);
    assertTrue(doc.index().isEmpty());
    Manifest m = doc.manifest().orElseThrow();
    assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
    assertEquals(Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(D1), 7), m.config());
    assertEquals(2, m.layers().size());
    assertEquals(Digest.parse(D2), m.layers().get(0).digest());
    assertEquals(100, m.layers().get(0).size());
    assertEquals(MediaTypes.OCI_LAYER_ZSTD, m.layers().get(1).mediaType());
    assertEquals(List.of("https://example.com/l"), m.layers().get(1).urls());
    assertEquals(Map.of("a", "b"), m.layers().get(1).annotations());
  }

  @Test
  void manifestWithoutMediaTypeTakesTheDeclaredOne() throws Exception {
    ImageJson.Document doc =
        ImageJson.parseManifestOrIndex(
            json("{'schemaVersion':2," + CONFIG + "," + LAYERS + "}"), MediaTypes.DOCKER_MANIFEST, WHAT);
    assertEquals(MediaTypes.DOCKER_MANIFEST, doc.manifest().orElseThrow().mediaType());
  }

  @Test
  void manifestDetectedByLayersWhenNoTypeAnywhere() throws Exception {
    ImageJson.Document doc =
        ImageJson.parseManifestOrIndex(json("{'schemaVersion':2," + CONFIG + "," + LAYERS + "}"), "", WHAT);
    assertEquals(MediaTypes.OCI_MANIFEST, doc.manifest().orElseThrow().mediaType());
  }

  @Test
  void indexWithPlatformsAndRefNames() throws Exception {
    ImageJson.Document doc =
        ImageJson.parseManifestOrIndex(
            json("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_INDEX + "','manifests':["
                + "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D1 + "','size':1,"
                + "'platform':{'os':'linux','architecture':'arm64','variant':'v8'}},"
                + "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D2 + "','size':2,"
                + "'annotations':{'org.opencontainers.image.ref.name':'small'}}]}"),
            "", WHAT);
    assertTrue(doc.manifest().isEmpty());
    ImageIndex index = doc.index().orElseThrow();
    assertEquals(MediaTypes.OCI_INDEX, index.mediaType());
    assertEquals(2, index.manifests().size());
    assertEquals(Optional.of(Platform.parse("linux/arm64/v8")), index.manifests().get(0).platform());
    assertEquals(Optional.empty(), index.manifests().get(0).refName());
    assertEquals(Optional.of("small"), index.manifests().get(1).refName());
    assertEquals(Optional.empty(), index.manifests().get(1).platform());
  }

  @Test
  void indexDetectedByManifestsWhenNoType() throws Exception {
    ImageJson.Document doc = ImageJson.parseManifestOrIndex(json("{'schemaVersion':2,'manifests':[]}"), "", WHAT);
    assertEquals(MediaTypes.OCI_INDEX, doc.index().orElseThrow().mediaType());
    assertTrue(doc.index().get().manifests().isEmpty());
  }

  @Test
  void dockerManifestList() throws Exception {
    ImageJson.Document doc =
        ImageJson.parseManifestOrIndex(
            json("{'schemaVersion':2,'mediaType':'" + MediaTypes.DOCKER_MANIFEST_LIST + "','manifests':[]}"), "", WHAT);
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, doc.index().orElseThrow().mediaType());
  }

  @Test
  void schema1RefusedBySchemaVersion() {
    ImageFormatException e = refused("{'schemaVersion':1,'name':'x','fsLayers':[]}");
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
  }

  @Test
  void schema1RefusedByMediaType() {
    ImageFormatException e = refused("{'mediaType':'" + MediaTypes.DOCKER_MANIFEST_V1_SIGNED + "','fsLayers':[]}");
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
  }

  @Test
  void schema1RefusedByDeclaredType() {
    ImageFormatException e =
        assertThrows(
            ImageFormatException.class,
            () -> ImageJson.parseManifestOrIndex(json("{'fsLayers':[]}"), MediaTypes.DOCKER_MANIFEST_V1, WHAT));
    assertTrue(e.getMessage().startsWith(WHAT + ":") && e.getMessage().contains("schema 1"), e.getMessage());
  }

  @Test
  void manifestWithoutConfig() {
    ImageFormatException e = refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + LAYERS + "}");
    assertTrue(e.getMessage().contains("\"config\""), e.getMessage());
  }

  @Test
  void manifestWithoutLayers() {
    ImageFormatException e = refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG + "}");
    assertTrue(e.getMessage().contains("\"layers\""), e.getMessage());
  }

  @Test
  void badLayerDigestNamesTheDescriptor() {
    ImageFormatException e =
        refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG
            + ",'layers':[{'mediaType':'x','digest':'sha256:1234','size':1}]}");
    assertTrue(e.getMessage().contains("layers[0]"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256:1234"), e.getMessage());
  }

  @Test
  void badConfigDigest() {
    ImageFormatException e =
        refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "',"
            + "'config':{'mediaType':'x','digest':'md5:00','size':1}," + LAYERS + "}");
    assertTrue(e.getMessage().contains("config") && e.getMessage().contains("md5:00"), e.getMessage());
  }

  @Test
  void descriptorWithoutSize() {
    ImageFormatException e =
        refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG
            + ",'layers':[{'mediaType':'x','digest':'" + D2 + "'}]}");
    assertTrue(e.getMessage().contains("size"), e.getMessage());
  }

  @Test
  void descriptorWithNegativeSize() {
    ImageFormatException e =
        refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG
            + ",'layers':[{'mediaType':'x','digest':'" + D2 + "','size':-1}]}");
    assertTrue(e.getMessage().contains("layers[0]") && e.getMessage().contains("size"), e.getMessage());
  }

  @Test
  void descriptorWithoutMediaType() {
    ImageFormatException e =
        refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG
            + ",'layers':[{'digest':'" + D2 + "','size':1}]}");
    assertTrue(e.getMessage().contains("mediaType"), e.getMessage());
  }

  @Test
  void malformedJson() {
    ImageFormatException e = refused("{'schemaVersion':2,");
    assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
  }

  @Test
  void notAnObject() {
    ImageFormatException e = refused("[1,2]");
    assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
  }

  @Test
  void emptyDocument() {
    ImageFormatException e = refused("");
    assertFalse(e.getMessage().isEmpty());
  }

  @Test
  void unknownMediaType() {
    ImageFormatException e = refused("{'schemaVersion':2,'mediaType':'application/x-what','layers':[]}");
    assertTrue(e.getMessage().contains("application/x-what"), e.getMessage());
  }

  @Test
  void neitherManifestNorIndex() {
    refused("{'schemaVersion':2}");
  }

  @Test
  void config() throws Exception {
    ImageConfig c =
        ImageJson.parseConfig(
            json("{'architecture':'arm64','variant':'v8','os':'linux','rootfs':{'type':'layers','diff_ids':['"
                + D1 + "','" + D2 + "']}}"),
            "config");
    assertEquals(Platform.parse("linux/arm64/v8"), c.platform());
    assertEquals(List.of(Digest.parse(D1), Digest.parse(D2)), c.diffIds());
  }

  @Test
  void configWithoutPlatformIsUnknown() throws Exception {
    ImageConfig c = ImageJson.parseConfig(json("{'rootfs':{'diff_ids':[]}}"), "config");
    assertEquals(Platform.parse("unknown/unknown"), c.platform());
    assertTrue(c.diffIds().isEmpty());
  }

  @Test
  void configWithoutDiffIds() {
    ImageFormatException e =
        assertThrows(ImageFormatException.class, () -> ImageJson.parseConfig(json("{'os':'linux'}"), "config X"));
    assertTrue(e.getMessage().startsWith("config X:") && e.getMessage().contains("diff_ids"), e.getMessage());
  }

  @Test
  void configWithBadDiffId() {
    ImageFormatException e =
        assertThrows(
            ImageFormatException.class,
            () -> ImageJson.parseConfig(json("{'rootfs':{'diff_ids':['sha256:nope']}}"), "config X"));
    assertTrue(e.getMessage().startsWith("config X") && e.getMessage().contains("sha256:nope"), e.getMessage());
  }

  @Test
  void malformedConfig() {
    ImageFormatException e =
        assertThrows(ImageFormatException.class, () -> ImageJson.parseConfig(json("{'rootfs':"), "config X"));
    assertTrue(e.getMessage().startsWith("config X:") && e.getMessage().contains("malformed JSON"), e.getMessage());
  }

  // --- a key twice: parsers disagree on which counts, so the document is refused ---

  @Test
  void manifestWithLayersTwiceIsRefusedNamingTheKey() {
    ImageFormatException e = refused("{'schemaVersion':2,'mediaType':'" + MediaTypes.OCI_MANIFEST + "'," + CONFIG + ","
        + LAYERS + ",'layers':[]}");
    assertTrue(e.getMessage().contains("key \"layers\" twice"), e.getMessage());
  }

  @Test
  void indexWithManifestsTwiceIsRefusedNamingTheKey() {
    String entry = "{'mediaType':'" + MediaTypes.OCI_MANIFEST + "','digest':'" + D1 + "','size':7}";
    ImageFormatException e = refused("{'schemaVersion':2,'manifests':[" + entry + "],'manifests':[]}");
    assertTrue(e.getMessage().contains("key \"manifests\" twice"), e.getMessage());
  }

  @Test
  void descriptorWithDigestTwiceIsRefused() {
    ImageFormatException e = refused("{'schemaVersion':2,'config':{'mediaType':'application/vnd.oci.image.config.v1+json',"
        + "'digest':'" + D1 + "','digest':'" + D2 + "','size':7}," + LAYERS + "}");
    assertTrue(e.getMessage().contains("key \"digest\" twice in one object, at /config/digest"), e.getMessage());
  }

  @Test
  void configWithDiffIdsTwiceIsRefusedNamingTheKey() {
    ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageJson.parseConfig(
        json("{'os':'linux','rootfs':{'type':'layers','diff_ids':['" + D1 + "'],'diff_ids':['" + D2 + "']}}"), "config X"));
    assertTrue(e.getMessage().startsWith("config X: key \"diff_ids\" twice in one object, at /rootfs/diff_ids"), e.getMessage());
  }
}
