package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.transforms.copy.CopyRequest;

/**
 * A copy beside the pipeline ({@link CopyBesidePipeline}, the default) leaves the same layout or
 * registry and the same report as one through the pipeline (any Beam option asks for it), and
 * makes no Beam options.
 */
class CopyBesidePipelineTest {
  static final Path IMAGES = TestData.images().toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void besideThePipelineTheLayoutAndReportAreThePipelines() throws Exception {
    Path beside = tmp.resolve("beside");
    Path through = tmp.resolve("through");
    Cli.Result b = Cli.run("sync", "oci:" + IMAGES, "oci:" + beside, "--report", tmp.resolve("beside.json").toString());
    Cli.Result t = Cli.run("sync", "oci:" + IMAGES, "oci:" + through, "--report", tmp.resolve("through.json").toString(),
        "--targetParallelism=2");

    assertEquals(0, b.exit(), b::toString);
    assertEquals(0, t.exit(), t::toString);
    assertSameLayout(through, beside);
    assertEquals(comparable(tmp.resolve("through.json"), "oci:" + through), comparable(tmp.resolve("beside.json"), "oci:" + beside));
  }

  @Test
  void besideThePipelineTheRegistryAndReportAreThePipelines() throws Exception {
    try (RegistryServer besideRegistry = RegistryServer.start(tmp.resolve("beside-registry"));
        RegistryServer throughRegistry = RegistryServer.start(tmp.resolve("through-registry"))) {
      String beside = "docker://" + besideRegistry.host();
      String through = "docker://" + throughRegistry.host();
      // Into a registry, then from one of its repositories into another (blobs mounted, not pushed).
      for (String[] step : new String[][] {{"oci:" + IMAGES, "/mirror"}, {"/mirror", "/copy"}}) {
        String from = step[0].startsWith("/") ? step[0] : "";
        Cli.Result b = Cli.run("sync", from.isEmpty() ? step[0] : beside + from, beside + step[1], "--tls-verify=false",
            "--report", tmp.resolve("beside.json").toString());
        Cli.Result t = Cli.run("sync", from.isEmpty() ? step[0] : through + from, through + step[1], "--tls-verify=false",
            "--report", tmp.resolve("through.json").toString(), "--targetParallelism=2");
        assertEquals(0, b.exit(), b::toString);
        assertEquals(0, t.exit(), t::toString);
        assertEquals(comparable(tmp.resolve("through.json"), through), comparable(tmp.resolve("beside.json"), beside), step[1]);
      }
      for (String repository : List.of("/mirror", "/copy")) {
        Path b = tmp.resolve("beside" + repository.substring(1));
        Path t = tmp.resolve("through" + repository.substring(1));
        assertEquals(0, Cli.run("sync", beside + repository, "oci:" + b, "--tls-verify=false").exit());
        assertEquals(0, Cli.run("sync", through + repository, "oci:" + t, "--tls-verify=false").exit());
        assertSameLayout(t, b);
        assertEquals(Layouts.tags(IMAGES), Layouts.tags(b));
      }
    }
  }

  @Test
  void aCopyBesideThePipelineMakesNoBeamOptions() throws Exception {
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("registry"))) {
      String mirror = "docker://" + registry.host() + "/mirror";
      assertEquals(0, Cli.run("sync", "oci:" + IMAGES, mirror, "--tls-verify=false").exit());
      AtomicInteger made = new AtomicInteger();
      CopyJob job = CopyJob.builder()
          .setMode(CopyJob.Mode.SYNC)
          .setRequests(List.of(CopyRequest.builder()
              .setSource(ImageReference.parse(mirror))
              .setDestination(ImageReference.parse("oci:" + tmp.resolve("back")))
              .setSourceRegistry(RegistryConfig.defaults().withTlsVerify(false))
              .build()))
          .setReport(Optional.empty())
          .setDefaultRunner(true)
          .setPipelineOptions(() -> {
            made.incrementAndGet();
            throw new AssertionError("Beam's options were made");
          })
          .build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int exit = job.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, new Progress(System.err, false), new RunFigures("sync"));

      assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
      assertEquals(Layouts.tags(IMAGES), Layouts.tags(tmp.resolve("back")));
      assertEquals(0, made.get(), "Beam's options were made for a copy beside the pipeline");
    }
  }

  @Test
  void copiesAndSyncsOnTheDefaultRunnerGoBesideThePipeline() {
    assertTrue(CopyBesidePipeline.applies(CopyJob.Mode.SYNC, true));
    assertTrue(CopyBesidePipeline.applies(CopyJob.Mode.COPY, true));
    assertFalse(CopyBesidePipeline.applies(CopyJob.Mode.MOVE, true), "a move removes from its source in the pipeline");
    assertFalse(CopyBesidePipeline.applies(CopyJob.Mode.SYNC, false), "a Beam option asks for the pipeline");
  }

  private static void assertSameLayout(Path expected, Path actual) throws IOException {
    assertEquals(Layouts.tags(expected), Layouts.tags(actual));
    assertEquals(Layouts.reachable(expected), Layouts.reachable(actual));
    assertArrayEquals(Files.readAllBytes(expected.resolve("index.json")), Files.readAllBytes(actual.resolve("index.json")));
    for (String digest : Layouts.reachable(expected)) {
      assertArrayEquals(Files.readAllBytes(Layouts.blob(expected, digest)), Files.readAllBytes(Layouts.blob(actual, digest)), digest);
    }
  }

  /** The report without what differs from run to run (durations, the store's name), its images in a fixed order. */
  private static JsonNode comparable(Path report, String store) throws IOException {
    String text = Files.readString(report).replace(store, "STORE");
    ObjectNode root = (ObjectNode) ImageJson.mapper().readTree(text);
    root.remove("seconds");
    List<JsonNode> images = new ArrayList<>();
    root.path("images").forEach(i -> images.add(((ObjectNode) i).without("seconds")));
    images.sort(Comparator.comparing(JsonNode::toString));
    root.putArray("images").addAll(images);
    return root;
  }
}
