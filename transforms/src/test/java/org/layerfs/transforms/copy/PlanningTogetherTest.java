package org.layerfs.transforms.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.FaultServer;
import org.layerfs.io.registry.RegistryConfig;

/**
 * Planning asks side by side what it can, within each registry's limit of requests at once: the
 * tag lists of a mirror's repositories (listed one after another, each list was a round trip on
 * the planning's critical path: 6 of them in the WAN benchmark's no-op), the tags of every
 * registry of a mirror config, and at each registry as many HEADs as its own limit allows,
 * whatever the other end's limit.
 */
class PlanningTogetherTest {
  static final List<String> REPOS = List.of("a", "b", "c");
  static final RegistryConfig REGISTRY = RegistryConfig.builder().setTlsVerify(false).setAuthFiles(ImmutableList.of()).setMaxAttempts(1).build();

  @TempDir Path tmp;

  @Test
  void theRepositoriesOfAMirrorAreListedTogether() throws IOException {
    try (FaultServer server = new FaultServer(); OpenStores stores = new OpenStores()) {
      serveTags(server, "v1");
      server.holdTagLists(REPOS.size());
      List<CopyRequest> requests = REPOS.stream().map(r -> CopyRequest.builder()
              .setSource(ImageReference.parse("docker://" + server.host() + "/" + r))
              .setDestination(ImageReference.parse("oci:" + tmp.resolve(r)))
              .setSourceRegistry(REGISTRY)
              .build())
          .toList();

      AtomicInteger changesFound = new AtomicInteger();
      CopyPlans plans = CopyPlans.plan(
          requests, stores, RateLimitPolicy.of(RateLimitPolicy.Action.IGNORE), line -> {}, changesFound::incrementAndGet);

      assertEquals(REPOS.size(), plans.toCopy().size(), plans::toString);
      assertEquals(REPOS.size(), server.count("GET", "/v2/a/tags/list") + server.count("GET", "/v2/b/tags/list")
          + server.count("GET", "/v2/c/tags/list"), "each repository listed once");
      assertEquals(REPOS.size(), server.heldInFlightAtMost(), "the lists were asked for together");
      assertEquals(1, changesFound.get(), "told once that there is something to copy, so the copy can be prepared");
    }
  }

  /** Two source registries, one request at a time each, into one destination that answers its HEADs only two at once. */
  @Test
  void theRegistriesOfAMirrorConfigArePlannedTogether() throws IOException {
    try (FaultServer one = new FaultServer(); FaultServer two = new FaultServer(); FaultServer destination = new FaultServer();
        OpenStores stores = new OpenStores()) {
      serveTags(one, "v1");
      serveTags(two, "v1");
      serveTags(destination, "v1");
      destination.holdManifestHeads(2);
      List<CopyRequest> requests = List.of(one, two).stream()
          .map(source -> sync(source, "app:v1", destination, source == one ? "one/app" : "two/app", 1, 2))
          .toList();

      CopyPlans plans = CopyPlans.plan(requests, stores);

      assertEquals(2, plans.settled().size(), plans::toString);
      assertEquals(2, destination.heldInFlightAtMost(), "both registries' tags were asked about at once");
    }
  }

  /**
   * A source that takes one request at a time does not hold up the destination, which takes two:
   * a tag's HEAD at one end holds that end's permit alone (both ends' permits held for both HEADs
   * left each registry idle while the other was asked).
   */
  @Test
  void eachEndIsAskedAsManyAtOnceAsItsOwnLimitAllows() throws IOException {
    try (FaultServer source = new FaultServer(); FaultServer destination = new FaultServer(); OpenStores stores = new OpenStores()) {
      serveTags(source, "v1", "v2");
      serveTags(destination, "v1", "v2");
      destination.holdManifestHeads(2);
      List<CopyRequest> requests = List.of(sync(source, "app:v1", destination, "app", 1, 2), sync(source, "app:v2", destination, "app", 1, 2));

      CopyPlans plans = CopyPlans.plan(requests, stores);

      assertEquals(2, plans.settled().size(), plans::toString);
      assertEquals(2, destination.heldInFlightAtMost(), "the destination's two HEADs were asked at once");
      assertEquals(2, source.count("HEAD", "/v2/app/manifests/"));
    }
  }

  /** A sync of {@code image} at {@code source} to {@code repository} at {@code destination}, with each end's limit of requests at once. */
  private static CopyRequest sync(
      FaultServer source, String image, FaultServer destination, String repository, int sourceLimit, int destinationLimit) {
    return CopyRequest.builder()
        .setSource(ImageReference.parse("docker://" + source.host() + "/" + image))
        .setDestination(ImageReference.parse("docker://" + destination.host() + "/" + repository))
        .setSourceRegistry(REGISTRY)
        .setDestinationRegistry(REGISTRY)
        .setSourceConcurrency(sourceLimit)
        .setDestinationConcurrency(destinationLimit)
        .setOnlyChanged(true)
        .setReferrers(false)
        .build();
  }

  /** {@code server} holds one image without layers under each of {@code tags} (in every repository) and by its digest. */
  private static void serveTags(FaultServer server, String... tags) {
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(UTF_8);
    Digest configDigest = Digest.sha256(config);
    server.blob(configDigest, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[]}").getBytes(UTF_8);
    Digest digest = Digest.sha256(manifest);
    for (String tag : tags) {
      server.manifest(tag, MediaTypes.OCI_MANIFEST, manifest, digest);
    }
    server.manifest(digest.toString(), MediaTypes.OCI_MANIFEST, manifest, digest);
  }
}
