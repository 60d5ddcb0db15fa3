package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.registry.FaultServer;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/**
 * {@code --platform A,B} writes a new, sparse index (issue 11): a registry that will not take an
 * index refuses it, and that image fails with the registry's own words, leaving no tag behind,
 * while the other images of the sync are copied.
 */
class SparseIndexRefusedTest {
  private static final String REFUSAL = "manifest lists are not supported by this registry";
  private static final List<String> SINGLE = List.of("layered", "layered-zstd", "small", "uncompressed");

  @Test
  void aRegistryRefusingTheSparseIndexFailsThatImageWithItsMessageAndCopiesTheOthers(@TempDir Path tmp) throws Exception {
    // HTTPS: a plain JDK server leaves the TLS probe of --tls-verify=false waiting for its timeout.
    try (FaultServer destination = new FaultServer()) {
      destination.refuseIndexes(REFUSAL);
      String mirror = "docker://" + destination.host() + "/mirror";
      Path report = tmp.resolve("report.json");

      Cli.Result r = Cli.run("sync", Fixtures.images(), mirror, "--platform", "linux/amd64,linux/arm64",
          "--tls-verify=false", "--report", report.toString());

      assertEquals(1, r.exit(), r::toString);
      List<String> failed = r.err().lines().filter(l -> l.startsWith("failed: ")).toList();
      assertEquals(1, failed.size(), r::toString);
      assertTrue(failed.get(0).contains(Fixtures.oci("multi")), "names the image: " + r);
      assertTrue(failed.get(0).contains("MANIFEST_INVALID") && failed.get(0).contains(REFUSAL), "gives the registry's error: " + r);
      Map<String, String> statuses = new TreeMap<>();
      for (JsonNode image : ImageJson.tree(Files.readAllBytes(report), "report").get("images")) {
        statuses.put(image.get("image").asText(), image.get("status").asText());
        if (image.get("image").asText().equals(Fixtures.oci("multi"))) {
          assertTrue(image.get("error").asText().contains(REFUSAL), image::toString);
        }
      }
      Map<String, String> expected = new TreeMap<>(Map.of(Fixtures.oci("multi"), "failed"));
      SINGLE.forEach(tag -> expected.put(Fixtures.oci(tag), "copied"));
      assertEquals(expected, statuses, r::toString);
      // The registry holds the others under their tags, and nothing under the refused index's.
      for (String tag : SINGLE) {
        Cli.Result inspect = Cli.run("inspect", mirror + ":" + tag, "--tls-verify=false");
        assertEquals(0, inspect.exit(), inspect::toString);
      }
      Cli.Result multi = Cli.run("inspect", mirror + ":multi", "--tls-verify=false");
      assertEquals(1, multi.exit(), multi::toString);
      assertTrue(multi.err().contains("MANIFEST_UNKNOWN"), multi::toString);
    }
  }
}
