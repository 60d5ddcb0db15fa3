package org.layerfs.pipeline.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMultiset;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.registry.RegistryDestination;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.testing.MirrorYaml;
import org.layerfs.pipeline.testing.TappedRegistries;

/**
 * What a sync asks of the registries when nothing changed, counted by a relay in front of each
 * real registry: one HEAD a tag at each end, one tag list a repository, and nothing resolved that
 * the tag selection leaves out. Referrers are turned off here but in one test, which counts what
 * looking for them adds to a whole mirror's no-op; {@code ReferrersCommandTest} has the rest.
 */
class RegistryNoopTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();
  static final int TAGS = 5;

  @RegisterExtension static final TappedRegistries registries = new TappedRegistries();

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    sync("oci:" + IMAGES, "docker://" + registries.source.host() + "/app");
    sync("docker://" + registries.source.host() + "/app", "docker://" + registries.destination.host() + "/app");
    // Where a mirror config's app goes under docker://HOST/mirror; and a second repository, mirrored there too.
    sync("docker://" + registries.source.host() + "/app", "docker://" + registries.destination.host() + "/mirror/app");
    sync("oci:" + IMAGES, "docker://" + registries.source.host() + "/other");
    sync("docker://" + registries.source.host() + "/other", "docker://" + registries.destination.host() + "/mirror/other");
  }

  @Test
  void aNoOpCostsOneHeadATagAtEachEndAndOneTagList() {
    Cli.Result r = sync("docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destinationTap.host() + "/app");

    assertTrue(r.out().contains(TAGS + " images: 0 copied, 0 moved, " + TAGS + " up to date, 0 failed"), r::toString);
    assertEquals(ImmutableMultiset.builder().add("GET tags").addCopies("HEAD manifest", TAGS).build(), registries.sourceTap.kinds(),
        registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", TAGS).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);
  }

  /**
   * A scheduled mirror as users run it, referrers travelling (the default): besides one HEAD a tag
   * at each end, each repository's tag list (the config asks for every tag) and one probe of the
   * source's referrers API for the run, which this registry lacks; its fallback and legacy tags
   * are then looked up in the tag lists already fetched, at no cost. This is bench/wan.sh's no-op.
   */
  @Test
  void aMirrorsNoOpWithReferrersCostsOneHeadATagAtEachEndATagListARepositoryAndOneProbe() throws Exception {
    Path config = MirrorYaml.write(tmp.resolve("mirror.yaml"), registries.sourceTap.host(), "images:", "  app: []", "  other: []");

    Cli.Result r = MirrorYaml.sync(config, "docker://" + registries.destinationTap.host() + "/mirror");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(2 * TAGS + " images: 0 copied, 0 moved, " + 2 * TAGS + " up to date, 0 failed"), r::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("GET tags", 2).add("GET referrers").addCopies("HEAD manifest", 2 * TAGS).build(),
        registries.sourceTap.kinds(), registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2 * TAGS).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);
  }

  @Test
  void aPrunedNoOpReadsNoTagAndListsEachRepositoryOnce() {
    Cli.Result r = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destinationTap.host() + "/app",
        "--tls-verify=false", "--prune", "--referrers=false");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(TAGS + " images: 0 copied, 0 moved, " + TAGS + " up to date, 0 failed"), r::toString);
    assertEquals(ImmutableMultiset.builder().add("GET tags").addCopies("HEAD manifest", TAGS).build(), registries.sourceTap.kinds(),
        registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().add("GET tags").addCopies("HEAD manifest", TAGS).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);
  }

  @Test
  void planningHoldsToEachRegistrysLimitOfConcurrentRequests() {
    Cli.Result one = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destinationTap.host() + "/app",
        "--tls-verify=false", "--concurrent-requests", "1");
    assertEquals(0, one.exit(), one::toString);
    assertEquals(1, registries.sourceTap.mostInFlight());
    assertEquals(1, registries.destinationTap.mostInFlight());

    registries.sourceTap.clear();
    registries.destinationTap.clear();
    Cli.Result four = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destinationTap.host() + "/app",
        "--tls-verify=false");
    assertEquals(0, four.exit(), four::toString);
    assertTrue(registries.destinationTap.mostInFlight() > 1 && registries.destinationTap.mostInFlight() <= 4, () -> registries.destinationTap.mostInFlight() + " in flight");
    assertTrue(registries.sourceTap.mostInFlight() <= 4, () -> registries.sourceTap.mostInFlight() + " in flight");
  }

  @Test
  void eachManifestOfACopiedTagIsFetchedOnce() {
    Cli.Result r = sync("docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destination.host() + "/cold");

    assertTrue(r.out().contains(TAGS + " images: " + TAGS + " copied"), r::toString);
    List<String> manifests = registries.sourceTap.requests().stream().filter(q -> q.startsWith("GET ") && q.contains("/manifests/")).toList();
    assertEquals(new HashSet<>(manifests).size(), manifests.size(), manifests::toString);
    // One HEAD asks the registry's pull budget before the manifests are fetched; none a tag.
    assertEquals(1, registries.sourceTap.kinds().count("HEAD manifest"), registries.sourceTap.requests()::toString);
  }

  @Test
  void tagsNamedInTheConfigAreNotListed() throws Exception {
    Path config = MirrorYaml.write(tmp.resolve("mirror.yaml"), registries.sourceTap.host(), "images:", "  app: [small, multi]");

    Cli.Result r = MirrorYaml.sync(config, "docker://" + registries.destinationTap.host() + "/mirror", "--referrers=false");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("2 images: 0 copied, 0 moved, 2 up to date, 0 failed"), r::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2).build(), registries.sourceTap.kinds(), registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);

    // Two selections from one repository: its tags listed once.
    registries.sourceTap.clear();
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  app: []", "images-by-tag-regex:", "  app: ^small$");
    Cli.Result twice = MirrorYaml.sync(config, "docker://" + registries.destinationTap.host() + "/mirror", "--referrers=false");
    assertEquals(0, twice.exit(), twice::toString);
    assertEquals(1, registries.sourceTap.kinds().count("GET tags"), registries.sourceTap.requests()::toString);
  }

  @Test
  void aBrokenTagTheFilterLeavesOutIsNotResolved() throws Exception {
    pushBrokenTag("broken/app", "broken");
    sync("oci:" + IMAGES, "docker://" + registries.source.host() + "/broken/app");

    Cli.Result all = Cli.run("sync", "docker://" + registries.source.host() + "/broken/app", "docker://" + registries.destination.host() + "/broken/app",
        "--tls-verify=false");
    assertEquals(1, all.exit(), all::toString);
    assertTrue(all.err().contains("diff_ids"), all::toString);

    Cli.Result filtered = Cli.run("sync", "docker://" + registries.source.host() + "/broken/app", "docker://" + registries.destination.host() + "/broken/app",
        "--tls-verify=false", "--tags", "^(small|multi)$");
    assertEquals(0, filtered.exit(), filtered::toString);
  }

  @Test
  void immutableTagsTheDestinationHasAreNotAskedAboutAtTheSource() throws Exception {
    Cli.Result r = Cli.run("sync", "docker://" + registries.sourceTap.host() + "/app", "docker://" + registries.destinationTap.host() + "/app",
        "--tls-verify=false", "--immutable-tags", "^(small|layered)$", "--referrers=false");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains(TAGS + " images: 0 copied, 0 moved, " + TAGS + " up to date, 0 failed"), r::toString);
    assertEquals(ImmutableMultiset.builder().add("GET tags").addCopies("HEAD manifest", TAGS - 2).build(), registries.sourceTap.kinds(),
        registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", TAGS).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);

    registries.sourceTap.clear();
    registries.destinationTap.clear();
    Path config = MirrorYaml.write(tmp.resolve("mirror.yaml"), registries.sourceTap.host(), "images:", "  app: [small, multi]",
        "immutable-tags: .*");
    Cli.Result yaml = MirrorYaml.sync(config, "docker://" + registries.destinationTap.host() + "/mirror", "--referrers=false");
    assertEquals(0, yaml.exit(), yaml::toString);
    assertEquals(ImmutableMultiset.of(), registries.sourceTap.kinds(), registries.sourceTap.requests()::toString);
    assertEquals(0, registries.sourceTap.tlsProbes());
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);

    // Immutable is not absent: a tag the destination lacks is copied.
    Cli.Result fresh = Cli.run("sync", "docker://" + registries.source.host() + "/app", "docker://" + registries.destination.host() + "/fresh",
        "--tls-verify=false", "--immutable-tags", ".*");
    assertEquals(0, fresh.exit(), fresh::toString);
    assertTrue(fresh.out().contains(TAGS + " images: " + TAGS + " copied"), fresh::toString);
  }

  @Test
  void digestsInTheConfigAreCopiedByDigest() throws Exception {
    String small = Layouts.tags(IMAGES).get("small");
    String multi = Layouts.tags(IMAGES).get("multi");
    Path config = tmp.resolve("mirror.yaml");
    MirrorYaml.write(config, registries.sourceTap.host(), "images:", "  app: [\"" + small + "\", \"" + multi + "\"]");
    String dst = "docker://" + registries.destinationTap.host() + "/pinned";

    Cli.Result r = MirrorYaml.sync(config, dst, "--referrers=false");
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("2 images: 2 copied"), r::toString);
    for (String digest : new String[] {small, multi}) {
      String raw = CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false",
          "docker://" + registries.destination.host() + "/pinned/app@" + digest);
      assertEquals(digest, Digest.sha256(raw.getBytes(UTF_8)).toString());
    }

    registries.sourceTap.clear();
    registries.destinationTap.clear();
    Cli.Result again = MirrorYaml.sync(config, dst, "--referrers=false");
    assertEquals(0, again.exit(), again::toString);
    assertTrue(again.out().contains("2 images: 0 copied, 0 moved, 2 up to date, 0 failed"), again::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2).build(), registries.sourceTap.kinds(), registries.sourceTap.requests()::toString);
    assertEquals(ImmutableMultiset.builder().addCopies("HEAD manifest", 2).build(), registries.destinationTap.kinds(),
        registries.destinationTap.requests()::toString);
  }

  /** A tag whose config lists no layer while its manifest has one: the registry takes it, a resolver must not. */
  private static void pushBrokenTag(String repository, String tag) throws Exception {
    RegistryDestination to = RegistryDestination.open(registries.source.reference(repository), registries.source.config());
    byte[] layer = "not a tar".getBytes(UTF_8);
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(UTF_8);
    Descriptor layerDesc = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(layer), layer.length);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    to.putBlob(layerDesc, new ByteArrayInputStream(layer));
    to.putBlob(configDesc, new ByteArrayInputStream(config));
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + json(configDesc)
        + ",\"layers\":[" + json(layerDesc) + "]}").getBytes(UTF_8);
    to.putManifest(Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(manifest), manifest.length), manifest, Optional.of(tag));
  }

  private static String json(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  static Cli.Result sync(String from, String to) {
    Cli.Result r = Cli.run("sync", from, to, "--tls-verify=false", "--referrers=false");
    assertEquals(0, r.exit(), r::toString);
    return r;
  }
}
