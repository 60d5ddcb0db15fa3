package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/** {@code sync} into a real registry (docker-registry on loopback) and back, with skopeo as the oracle. */
class RegistryCopyTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void syncsALayoutIntoARegistryAndBackWithIdenticalDigests() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String mirror = "docker://" + registry.host() + "/mirror";
      Cli.Result r = Cli.run("sync", "oci:" + IMAGES, mirror, "--tls-verify=false");
      assertEquals(0, r.exit(), r::toString);

      for (Map.Entry<String, String> tag : Layouts.tags(IMAGES).entrySet()) {
        String raw = CopyCommandTest.run("skopeo", "inspect", "--raw", "--tls-verify=false", mirror + ":" + tag.getKey());
        assertEquals(tag.getValue(), Digest.sha256(raw.getBytes(StandardCharsets.UTF_8)).toString(), tag.getKey());
      }

      Cli.Result again = Cli.run("sync", "oci:" + IMAGES, mirror, "--tls-verify=false", "--report", tmp.resolve("report.json").toString());
      assertEquals(0, again.exit(), again::toString);
      JsonNode report = Layouts.json(tmp.resolve("report.json"));
      assertEquals(0, report.path("blobs").path("copied").asInt());
      for (JsonNode image : report.path("images")) {
        assertEquals("skipped", image.path("status").asText(), image.toString());
      }

      Path back = tmp.resolve("back");
      Cli.Result down = Cli.run("sync", mirror, "oci:" + back, "--tls-verify=false");
      assertEquals(0, down.exit(), down::toString);
      assertEquals(Layouts.tags(IMAGES), Layouts.tags(back));
      assertTrue(Layouts.missingBlobs(back).isEmpty());
    }
  }
}
