package org.layerfs.io.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference.Transport;

class ImageReferenceTest {
  private static final String HEX = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  private static final Digest DIGEST = Digest.parse("sha256:" + HEX);

  private static void assertRef(
      ImageReference r, Transport transport, String location, Optional<String> tag, Optional<Digest> digest) {
    assertEquals(transport, r.transport());
    assertEquals(location, r.location());
    assertEquals(tag, r.tag());
    assertEquals(digest, r.digest());
  }

  @Test
  void ociDirOnly() {
    assertRef(ImageReference.parse("oci:images"), Transport.OCI, "images", Optional.empty(), Optional.empty());
  }

  @Test
  void ociDirAndTag() {
    assertRef(ImageReference.parse("oci:/srv/images:small"), Transport.OCI, "/srv/images", Optional.of("small"), Optional.empty());
  }

  @Test
  void ociDirEndsAtFirstColonAndTagKeepsColonsAndSlashes() {
    assertRef(
        ImageReference.parse("oci:mirror:library/debian:12"),
        Transport.OCI, "mirror", Optional.of("library/debian:12"), Optional.empty());
  }

  @Test
  void ociDirAndDigest() {
    assertRef(ImageReference.parse("oci:dir@sha256:" + HEX), Transport.OCI, "dir", Optional.empty(), Optional.of(DIGEST));
  }

  @Test
  void dockerArchiveFileOnly() {
    assertRef(
        ImageReference.parse("docker-archive:/tmp/img.tar"),
        Transport.DOCKER_ARCHIVE, "/tmp/img.tar", Optional.empty(), Optional.empty());
  }

  @Test
  void dockerArchiveFileAndRepoTag() {
    assertRef(
        ImageReference.parse("docker-archive:img.tar:layerfs/layered:1.0"),
        Transport.DOCKER_ARCHIVE, "img.tar", Optional.of("layerfs/layered:1.0"), Optional.empty());
  }

  @Test
  void registryWithPortAndTag() {
    assertRef(
        ImageReference.parse("docker://host:5000/a/b:tag"),
        Transport.DOCKER, "host:5000/a/b", Optional.of("tag"), Optional.empty());
  }

  @Test
  void registryWithPortNoTag() {
    assertRef(
        ImageReference.parse("docker://host:5000/a/b"),
        Transport.DOCKER, "host:5000/a/b", Optional.empty(), Optional.empty());
  }

  @Test
  void registryWithDigest() {
    assertRef(
        ImageReference.parse("docker://host/a@sha256:" + HEX),
        Transport.DOCKER, "host/a", Optional.empty(), Optional.of(DIGEST));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "oci:images",
        "oci:images:small",
        "oci:mirror:library/debian:12",
        "oci:dir@sha256:" + HEX,
        "docker-archive:img.tar",
        "docker-archive:img.tar:layerfs/layered:1.0",
        "docker://host:5000/a/b:tag",
        "docker://host/a@sha256:" + HEX
      })
  void toStringRoundTrips(String text) {
    ImageReference r = ImageReference.parse(text);
    assertEquals(text, r.toString());
    assertEquals(r, ImageReference.parse(r.toString()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "images",
        "dir:images",
        "docker:host/a",
        "oci:",
        "docker-archive:",
        "docker://",
        "oci::tag",
        "oci:dir:",
        "docker-archive::repo:tag",
        "oci:dir:tag@sha256:" + HEX,
        "oci:dir@sha256:abc",
        "docker-archive:img.tar@sha256:" + HEX,
        "docker://host",
        "docker://host/",
        "docker:///repo",
        "docker://host/Upper/Case:tag",
        "docker://host/a:bad!tag",
        "docker://host/a:",
        "docker://host/a@sha256:abc",
        "docker://host/a@md5:d41d8cd98f00b204e9800998ecf8427e"
      })
  void refusesBadReferencesNamingTheText(String text) {
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void badRegistryTagIsNamed() {
    InvalidReferenceException e =
        assertThrows(InvalidReferenceException.class, () -> ImageReference.parse("docker://host/a:bad!tag"));
    assertTrue(e.getMessage().contains("invalid tag \"bad!tag\""), e.getMessage());
  }

  @Test
  void storeDropsTagAndDigest() {
    ImageReference r = ImageReference.parse("oci:mirror:library/debian:12");
    assertEquals(ImageReference.parse("oci:mirror"), r.store());
    assertEquals("oci:mirror:other", r.withTag("other").toString());
    ImageReference byDigest = r.withDigest(DIGEST);
    assertEquals(Optional.empty(), byDigest.tag());
    assertEquals("oci:mirror@sha256:" + HEX, byDigest.toString());
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    ImageReference r = ImageReference.parse("docker://host:5000/a/b@sha256:" + HEX);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(r);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(r, in.readObject());
    }
  }
}
