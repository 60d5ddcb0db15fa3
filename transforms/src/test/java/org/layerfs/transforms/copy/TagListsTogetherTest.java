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
 * A mirror of several repositories lists their tags side by side, within the source registry's
 * limit of requests at once: listed one after another, each list was a round trip on the
 * planning's critical path (6 of them in the WAN benchmark's no-op).
 */
class TagListsTogetherTest {
  static final List<String> REPOS = List.of("a", "b", "c");

  @TempDir Path tmp;

  @Test
  void theRepositoriesOfAMirrorAreListedTogether() throws IOException {
    try (FaultServer server = new FaultServer(); OpenStores stores = new OpenStores()) {
      byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(UTF_8);
      Digest configDigest = Digest.sha256(config);
      server.blob(configDigest, config);
      byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
          + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[]}").getBytes(UTF_8);
      Digest digest = Digest.sha256(manifest);
      server.manifest("v1", MediaTypes.OCI_MANIFEST, manifest, digest);
      server.manifest(digest.toString(), MediaTypes.OCI_MANIFEST, manifest, digest);
      server.holdTagLists(REPOS.size());
      RegistryConfig source = RegistryConfig.builder().setTlsVerify(false).setAuthFiles(ImmutableList.of()).setMaxAttempts(1).build();
      List<CopyRequest> requests = REPOS.stream().map(r -> CopyRequest.builder()
              .setSource(ImageReference.parse("docker://" + server.host() + "/" + r))
              .setDestination(ImageReference.parse("oci:" + tmp.resolve(r)))
              .setSourceRegistry(source)
              .build())
          .toList();

      AtomicInteger changesFound = new AtomicInteger();
      CopyPlans plans = CopyPlans.plan(
          requests, stores, RateLimitPolicy.of(RateLimitPolicy.Action.IGNORE), line -> {}, changesFound::incrementAndGet);

      assertEquals(REPOS.size(), plans.toCopy().size(), plans::toString);
      assertEquals(REPOS.size(), server.count("GET", "/v2/a/tags/list") + server.count("GET", "/v2/b/tags/list")
          + server.count("GET", "/v2/c/tags/list"), "each repository listed once");
      assertEquals(REPOS.size(), server.tagListsInFlightAtMost(), "the lists were asked for together");
      assertEquals(1, changesFound.get(), "told once that there is something to copy, so the copy can be prepared");
    }
  }
}
