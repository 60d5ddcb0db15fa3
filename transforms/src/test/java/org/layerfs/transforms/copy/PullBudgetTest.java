package org.layerfs.transforms.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.FaultServer;
import org.layerfs.io.registry.RegistryConfig;

/**
 * A source registry that states a pull budget (Docker Hub's {@code RateLimit-*} headers, served
 * by the in-process fault server) too small for the manifests a sync would fetch: the run says
 * so before fetching any, then stops or waits as asked.
 */
class PullBudgetTest {
  static final List<String> TAGS = List.of("a", "b", "c");

  @TempDir Path tmp;
  FaultServer server;
  final List<String> said = new ArrayList<>();

  @BeforeEach
  void serveThreeTags() throws Exception {
    server = new FaultServer();
    for (String tag : TAGS) {
      byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"author\":\"" + tag
          + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(UTF_8);
      Digest configDigest = Digest.sha256(config);
      server.blob(configDigest, config);
      byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
          + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[]}").getBytes(UTF_8);
      Digest digest = Digest.sha256(manifest);
      server.manifest(tag, MediaTypes.OCI_MANIFEST, manifest, digest);
      server.manifest(digest.toString(), MediaTypes.OCI_MANIFEST, manifest, digest);
    }
    server.pullLimit(100, 2);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aBudgetTooSmallStopsTheRunBeforeAnyManifestIsFetched() {
    CopyPlans plans = plan(RateLimitPolicy.of(RateLimitPolicy.Action.STOP), said::add);

    assertEquals(0, plans.toCopy().size());
    assertEquals(TAGS.size(), plans.settled().size());
    for (CopyOutcome o : plans.settled()) {
      assertTrue(o.isFailed() && o.reason().get().contains("2 of 100 pulls left in its 21600 s window"), o::toString);
    }
    assertEquals(1, said.size(), said::toString);
    assertTrue(said.get(0).contains("would fetch at least 3 manifests"), said::toString);
    assertEquals(0, server.count("GET", "/v2/app/manifests/"));
    // The destination has none of the tags: one HEAD asked the budget.
    assertEquals(1, server.count("HEAD", "/v2/app/manifests/"));
  }

  @Test
  void aRunThatWaitsGoesOnOnceTheRegistryStatesEnough() {
    Consumer<String> refillWhenWaiting = line -> {
      said.add(line);
      if (line.contains("waiting")) {
        server.pullLimit(100, 50);
      }
    };

    CopyPlans plans = plan(new RateLimitPolicy(RateLimitPolicy.Action.WAIT, Duration.ofMillis(10)), refillWhenWaiting);

    assertEquals(TAGS.size(), plans.toCopy().size(), plans::toString);
    assertTrue(said.get(said.size() - 1).contains("50 of 100 pulls left"), said::toString);
  }

  @Test
  void ignoringTheBudgetFailsWhatTheRegistryRefuses() {
    CopyPlans plans = plan(RateLimitPolicy.of(RateLimitPolicy.Action.IGNORE), said::add);

    assertEquals(2, plans.toCopy().size(), plans::toString);
    assertTrue(plans.settled().get(0).reason().get().contains("429"), plans::toString);
    assertTrue(said.isEmpty(), said::toString);
  }

  private CopyPlans plan(RateLimitPolicy policy, Consumer<String> say) {
    CopyRequest request = CopyRequest.builder()
        .setSource(ImageReference.parse("docker://" + server.host() + "/app"))
        .setDestination(ImageReference.parse("oci:" + tmp.resolve("mirror")))
        .setOnlyChanged(true)
        .setSourceRegistry(RegistryConfig.builder().setTlsVerify(false).setAuthFiles(ImmutableList.of()).setMaxAttempts(1).build())
        .build();
    try (OpenStores stores = new OpenStores()) {
      return CopyPlans.plan(List.of(request), stores, policy, say, () -> {});
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
