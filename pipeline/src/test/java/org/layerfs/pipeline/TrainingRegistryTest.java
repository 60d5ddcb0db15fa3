package org.layerfs.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/**
 * The loopback registry of the launcher's training: layerfs's registry client reads the fixture
 * images from it byte for byte, and a sync of them into it finds nothing to do, as the training's
 * no-op needs. (skopeo is not asked: it tries TLS first, and the JDK's HTTP server never answers a
 * TLS greeting, so each of its connections waited out a timeout.)
 */
class TrainingRegistryTest {
  @TempDir Path tmp;

  @Test
  void layerfsPullsTheImagesAndThenFindsTheRegistryHoldingThem() throws Exception {
    try (TrainingRegistry registry = TrainingRegistry.serve(TestData.images())) {
      String remote = "docker://" + registry.host() + "/training";
      String pulled = "oci:" + tmp.resolve("pulled");
      assertEquals("sync: 5 images: 5 copied, 0 moved, 0 up to date, 0 failed",
          summary("sync", remote, pulled, "--tls-verify=false"));
      assertEquals("sync: 5 images: 0 copied, 0 moved, 5 up to date, 0 failed",
          summary("sync", remote, pulled, "--tls-verify=false"));
      OciLayout fixtures = OciLayout.open(TestData.images());
      OciLayout copy = OciLayout.open(tmp.resolve("pulled"));
      for (Descriptor tagged : fixtures.index().manifests()) {
        Descriptor copied = copy.index().manifests().stream()
            .filter(d -> d.refName().equals(tagged.refName())).findFirst().orElseThrow();
        assertEquals(tagged.digest(), copied.digest(), tagged.toString());
        assertArrayEquals(fixtures.readBlob(tagged), copy.readBlob(copied), tagged.toString());
      }
      assertEquals("sync: 5 images: 0 copied, 0 moved, 5 up to date, 0 failed",
          summary("sync", Fixtures.images(), remote, "--tls-verify=false"));
    }
  }

  @Test
  void pushesAreRefused() throws Exception {
    try (TrainingRegistry registry = TrainingRegistry.serve(TestData.images())) {
      HttpResponse<String> post = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + registry.host() + "/v2/training/blobs/uploads/"))
              .POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode(), post.body());
      assertTrue(post.body().contains("UNSUPPORTED"), post.body());
    }
  }

  /** What a command that must succeed says of its images: its summary line up to the first ';'. */
  private static String summary(String... command) {
    Cli.Result result = Cli.run(command);
    assertEquals(0, result.exit(), result::toString);
    return result.out().substring(0, result.out().indexOf(';'));
  }
}
