package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
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
import org.layerfs.io.testing.Tools;

/** The registry source and destination against a real distribution registry, and skopeo as the oracle. */
class RegistryRoundTripTest {
  private static final ImmutableList<String> TAGS = ImmutableList.of("small", "layered", "layered-zstd", "multi", "uncompressed");

  @TempDir static Path dir;
  private static RegistryServer registry;
  private static OciLayout layout;

  @BeforeAll
  static void start() throws IOException {
    registry = RegistryServer.start(dir.resolve("registry"));
    layout = OciLayout.open(TestData.images());
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static Descriptor root(String tag) throws IOException {
    return layout.index().manifests().stream().filter(d -> d.refName().equals(Optional.of(tag))).findFirst().orElseThrow();
  }

  private static RegistryDestination destination(String repository) {
    return RegistryDestination.open(registry.reference(repository), registry.config());
  }

  private static void pushFixtures(String repository, RegistryConfig config) throws IOException {
    try (RegistryDestination dest = RegistryDestination.open(registry.reference(repository), config)) {
      for (String tag : TAGS) {
        Pushing.push(layout, dest, root(tag), Optional.of(tag));
      }
    }
  }

  private static byte[] readAll(ImageSource source, Descriptor blob) throws IOException {
    try (VerifyingInputStream in = new VerifyingInputStream(source.openBlob(blob), blob, blob.digest().toString())) {
      return in.readAllBytes();
    }
  }

  /** Every image of the fixture tag read back from the registry has the layout's manifest and blob bytes. */
  private static void assertSameImages(ImageSource remote, ImageReference ref, String tag) throws IOException {
    Resolution expected = layout.resolve(ImageReference.parse("oci:" + TestData.images() + ":" + tag), Optional.empty());
    Resolution actual = remote.resolve(ref, Optional.empty());
    assertEquals(List.of(), actual.failures());
    assertEquals(
        expected.images().stream().map(ResolvedImage::manifestDigest).toList(),
        actual.images().stream().map(ResolvedImage::manifestDigest).toList(), tag);
    for (int i = 0; i < actual.images().size(); i++) {
      ResolvedImage image = actual.images().get(i);
      assertEquals(expected.images().get(i).indexDigest(), image.indexDigest());
      assertEquals(ref, image.reference());
      for (Descriptor layer : image.manifest().layers()) {
        assertArrayEquals(readAll(layout, layer), readAll(remote, layer), tag + " " + layer.digest());
      }
    }
  }

  @Test
  void pushedFixturesReadBackWithIdenticalDigestsAndBytes() throws IOException {
    pushFixtures("fixtures", registry.config());
    try (ImageSource remote = ImageSources.open(registry.reference("fixtures"), registry.config());
        RegistryDestination dest = destination("fixtures")) {
      assertInstanceOf(RegistrySource.class, remote);
      for (String tag : TAGS) {
        assertSameImages(remote, registry.reference("fixtures:" + tag), tag);
        assertEquals(Optional.of(root(tag).digest()), dest.tagDigest(tag));
        assertTrue(dest.hasManifest(root(tag)));
        ImageReference byDigest = registry.reference("fixtures@" + root(tag).digest());
        assertEquals(
            remote.resolve(registry.reference("fixtures:" + tag), Optional.empty()).images().stream().map(ResolvedImage::manifestDigest).toList(),
            remote.resolve(byDigest, Optional.empty()).images().stream().map(ResolvedImage::manifestDigest).toList());
      }
      assertEquals(Set.copyOf(TAGS), Set.copyOf(dest.tags()));
    }
  }

  @Test
  void noTagResolvesEveryTag() throws IOException {
    pushFixtures("everything", registry.config());
    try (RegistrySource remote = RegistrySource.open(registry.reference("everything"), registry.config())) {
      Resolution all = remote.resolve(registry.reference("everything"), Optional.empty());
      assertEquals(List.of(), all.failures());
      Set<String> actual = all.images().stream()
          .map(i -> i.reference().tag().orElseThrow() + " " + i.manifestDigest())
          .collect(Collectors.toSet());
      Set<String> expected = layout.resolve(ImageReference.parse("oci:" + TestData.images()), Optional.empty()).images().stream()
          .map(i -> i.reference().tag().orElseThrow() + " " + i.manifestDigest())
          .collect(Collectors.toSet());
      assertEquals(expected, actual);
    }
  }

  @Test
  void multiPlatformIndexKeepsItsDigestAndSelectsPlatforms() throws IOException {
    try (RegistryDestination dest = destination("multi")) {
      Pushing.push(layout, dest, root("multi"), Optional.of("latest"));
    }
    RegistryClient client = RegistryClient.create(registry.host(), registry.config());
    Descriptor head = client.headManifest("multi", "latest").orElseThrow();
    assertEquals(MediaTypes.OCI_INDEX, head.mediaType());
    assertEquals(root("multi").digest(), head.digest());
    assertEquals(root("multi").size(), head.size());
    RemoteManifest pulled = client.pullManifest("multi", "latest");
    assertArrayEquals(layout.readBlob(root("multi")), pulled.bytes());
    try (RegistrySource remote = RegistrySource.open(registry.reference("multi"), registry.config())) {
      Resolution arm = remote.resolve(registry.reference("multi:latest"), Optional.of(Platform.parse("linux/arm64")));
      assertEquals(1, arm.images().size(), arm.toString());
      assertEquals("arm64", arm.images().get(0).platform().architecture());
      assertEquals(Optional.of(root("multi").digest()), arm.images().get(0).indexDigest());
    }
  }

  @Test
  void aLargeBlobIsStreamedInOnePatchAndStoresTheSameBytes() throws IOException {
    byte[] bytes = new byte[(5 << 20) + 3];
    new Random(7).nextBytes(bytes);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(bytes), bytes.length);
    RegistryConfig streamed = registry.config().toBuilder().setStreamedUploadThreshold(1 << 20).build();
    try (RequestTap tap = new RequestTap(registry.host())) {
      RegistryClient client = RegistryClient.create(tap.host(), streamed);
      client.pushBlob("streamed", blob, offset -> new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset));
      assertEquals(1, tap.requests().stream().filter(r -> r.startsWith("PATCH ")).count(), tap.requests()::toString);
    }
    RegistryClient client = RegistryClient.create(registry.host(), registry.config());
    assertTrue(client.hasBlob("streamed", blob.digest()));
    try (InputStream in = client.pullBlob("streamed", blob)) {
      assertArrayEquals(bytes, in.readAllBytes());
    }
    // What a registry source reopens an upload's source with: a ranged GET.
    try (InputStream in = client.pullBlob("streamed", blob, 1 << 20)) {
      assertArrayEquals(Arrays.copyOfRange(bytes, 1 << 20, bytes.length), in.readAllBytes());
    }
    // The fixtures through the streamed path too, each layer opened at its offset in the layout.
    pushFixtures("streamed-fixtures", registry.config().toBuilder().setStreamedUploadThreshold(1).build());
    try (RegistrySource remote = RegistrySource.open(registry.reference("streamed-fixtures"), registry.config())) {
      assertSameImages(remote, registry.reference("streamed-fixtures:layered"), "layered");
    }
  }

  @Test
  void wrongBytesAreNeverCommitted() throws IOException {
    byte[] good = "the blob the descriptor names".getBytes(UTF_8);
    byte[] bad = "other bytes of the same size!".getBytes(UTF_8);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(good), good.length);
    for (long threshold : new long[] {1 << 20, 1}) {
      RegistryClient client = RegistryClient.create(
          registry.host(), registry.config().toBuilder().setStreamedUploadThreshold(threshold).build());
      BlobVerificationException e = assertThrows(
          BlobVerificationException.class, () -> client.pushBlob("wrong", blob, new java.io.ByteArrayInputStream(bad)));
      assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
      assertFalse(client.hasBlob("wrong", blob.digest()));
    }
  }

  @Test
  void mountsFromAnotherRepositoryOfTheSameRegistry() throws IOException {
    try (RegistryDestination a = destination("mount-a")) {
      Pushing.push(layout, a, root("small"), Optional.of("1"));
    }
    ResolvedImage small = layout.resolve(ImageReference.parse("oci:" + TestData.images() + ":small"), Optional.empty()).images().get(0);
    Descriptor layer = small.manifest().layers().get(0);
    try (RegistryDestination b = destination("mount-b")) {
      assertFalse(b.hasBlob(layer));
      assertTrue(b.mountBlob(layer, registry.reference("mount-a:1")));
      assertTrue(b.hasBlob(layer));
      Descriptor absent = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(new byte[] {1}), 1);
      assertFalse(b.mountBlob(absent, registry.reference("mount-a")));
      assertFalse(b.hasBlob(absent));
      assertFalse(b.mountBlob(layer, ImageReference.parse("oci:" + TestData.images())));
      assertFalse(b.mountBlob(layer, ImageReference.parse("docker://elsewhere.example/mount-a")));
    }
  }

  @Test
  void listsMoreTagsThanOnePage() throws IOException {
    RegistryConfig paged = registry.config().toBuilder().setTagPageSize(2).build();
    try (RegistryDestination dest = RegistryDestination.open(registry.reference("paged"), paged)) {
      assertEquals(List.of(), dest.tags());
      for (int i = 0; i < 5; i++) {
        Pushing.push(layout, dest, root("small"), Optional.of("t" + i));
      }
      assertEquals(List.of("t0", "t1", "t2", "t3", "t4"), dest.tags().stream().sorted().toList());
    }
  }

  @Test
  void removingTagsNeverTakesATagThatStays() throws IOException {
    try (RegistryDestination dest = destination("deletes")) {
      Pushing.push(layout, dest, root("small"), Optional.of("a"));
      Pushing.push(layout, dest, root("small"), Optional.of("b"));
      Pushing.push(layout, dest, root("layered"), Optional.of("c"));
      Digest small = root("small").digest();

      // docker-registry 2.x deletes manifests only: a tag whose manifest b needs stays.
      TagRemoval planned = dest.planTagRemoval(List.of("a"));
      TagRemoval kept = dest.removeTags(List.of("a"));
      assertEquals(planned, kept);
      assertEquals(List.of(), kept.removed());
      assertTrue(kept.kept().get("a").startsWith("shares manifest " + small + " with tag b; "), kept.toString());
      assertEquals(Optional.of(small), dest.tagDigest("a"));
      assertEquals(Optional.of(small), dest.tagDigest("b"));

      TagRemoval plannedAll = dest.planTagRemoval(List.of("a", "b"));
      assertTrue(dest.hasManifest(root("small")), "a plan deletes nothing");
      TagRemoval all = dest.removeTags(List.of("a", "b"));
      assertEquals(plannedAll, all);
      assertEquals(List.of("a", "b"), all.removed());
      assertEquals(Map.of(), all.kept());
      assertFalse(dest.hasManifest(root("small")));
      assertEquals(Optional.of(root("layered").digest()), dest.tagDigest("c"));
      assertEquals(List.of("c"), dest.tags());
      assertEquals(List.of("a"), dest.removeTags(List.of("a")).removed()); // a retried removal finds nothing and succeeds
    }
  }

  @Test
  void aManifestInAnIndexAnotherTagNamesIsNeverDeleted() throws IOException {
    try (RegistryDestination dest = destination("deletes-index")) {
      Pushing.push(layout, dest, root("multi"), Optional.of("all"));
      Descriptor child = ImageJson.parseManifestOrIndex(layout.readBlob(root("multi")), root("multi").mediaType(), "multi")
          .index().get().manifests().get(0);
      Pushing.push(layout, dest, child, Optional.of("one"));

      TagRemoval removal = dest.removeTags(List.of("one"));
      assertTrue(removal.kept().get("one").startsWith("shares manifest " + child.digest() + " with tag all (in its index); "), removal.toString());
      assertTrue(dest.hasManifest(child));
      assertEquals(Optional.of(root("multi").digest()), dest.tagDigest("all"));
    }
  }

  @Test
  void missingThingsFailNamingRegistryRepositoryAndStatus() throws IOException {
    try (RegistrySource remote = RegistrySource.open(registry.reference("fixtures-none"), registry.config())) {
      RegistryException e = assertThrows(
          RegistryException.class, () -> remote.resolve(registry.reference("fixtures-none:nope"), Optional.empty()));
      assertTrue(e.isNotFound());
      assertTrue(e.getMessage().startsWith("registry " + registry.host() + ", repository fixtures-none, pull manifest nope: HTTP 404"), e.getMessage());
      Descriptor absent = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(new byte[] {2}), 1);
      RegistryException blob = assertThrows(RegistryException.class, () -> remote.openBlob(absent));
      assertTrue(blob.getMessage().contains("pull blob " + absent.digest() + ": HTTP 404 Not Found (BLOB_UNKNOWN"), blob.getMessage());
    }
  }

  @Test
  void loopbackIsNotImplicitlyInsecure() {
    RegistryClient verifying = RegistryClient.create(registry.host(), registry.config().withTlsVerify(true));
    RegistryException e = assertThrows(RegistryException.class, () -> verifying.listTags("fixtures"));
    assertFalse(e.isTransient(), "a TLS failure is not retried");
    assertTrue(e.getMessage().startsWith("registry " + registry.host() + ", repository fixtures, list tags: "), e.getMessage());
    assertTrue(e.getMessage().contains("SSL"), e.getMessage());
  }

  @Test
  void skopeoSeesWhatWasPushedAndLayerfsReadsWhatSkopeoPushed() throws Exception {
    pushFixtures("interop", registry.config());
    String inspect = run("skopeo", "inspect", "--tls-verify=false", "docker://" + registry.host() + "/interop:layered");
    assertEquals(root("layered").digest().toString(), ImageJson.tree(inspect.getBytes(UTF_8), "skopeo").path("Digest").asText());
    String raw = run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + registry.host() + "/interop:multi");
    assertEquals(root("multi").digest(), Digest.sha256(raw.getBytes(UTF_8)));

    run("skopeo", "copy", "-q", "--dest-tls-verify=false",
        "oci:" + TestData.images() + ":layered-zstd", "docker://" + registry.host() + "/by-skopeo:z");
    try (RegistrySource remote = RegistrySource.open(registry.reference("by-skopeo"), registry.config())) {
      assertSameImages(remote, registry.reference("by-skopeo:z"), "layered-zstd");
    }
  }

  private static String run(String... command) throws Exception {
    Tools.require(command[0]);
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command));
    return new String(out, UTF_8);
  }
}
