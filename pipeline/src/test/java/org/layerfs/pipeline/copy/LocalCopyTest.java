package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.transforms.copy.CopyPlan;
import org.layerfs.transforms.copy.CopyPlans;
import org.layerfs.transforms.copy.CopyRequest;

/**
 * A copy between layouts beside the pipeline ({@link LocalCopy}, the default) leaves the same
 * layout and the same report as one through the pipeline (any Beam option asks for it), and only
 * copies and syncs between files go beside it.
 */
class LocalCopyTest {
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
    assertEquals(Layouts.tags(through), Layouts.tags(beside));
    assertEquals(Layouts.reachable(IMAGES), Layouts.reachable(beside));
    assertArrayEquals(Files.readAllBytes(through.resolve("index.json")), Files.readAllBytes(beside.resolve("index.json")));
    for (String digest : Layouts.reachable(IMAGES)) {
      assertArrayEquals(Files.readAllBytes(Layouts.blob(IMAGES, digest)), Files.readAllBytes(Layouts.blob(beside, digest)), digest);
    }
    assertEquals(comparable(tmp.resolve("through.json"), through), comparable(tmp.resolve("beside.json"), beside));
  }

  @Test
  void onlyCopiesAndSyncsBetweenFilesGoBesideThePipeline() {
    CopyPlans layouts = plans("oci:/a", "oci:/b");
    assertTrue(LocalCopy.applies(layouts, CopyJob.Mode.SYNC));
    assertTrue(LocalCopy.applies(layouts, CopyJob.Mode.COPY));
    assertTrue(LocalCopy.applies(plans("docker-archive:/a.tar", "oci:/b"), CopyJob.Mode.COPY));
    assertFalse(LocalCopy.applies(layouts, CopyJob.Mode.MOVE), "a move removes from its source in the pipeline");
    assertFalse(LocalCopy.applies(plans("oci:/a", "docker://registry.example/b"), CopyJob.Mode.SYNC));
    assertFalse(LocalCopy.applies(plans("docker://registry.example/a", "oci:/b"), CopyJob.Mode.SYNC));
  }

  private static CopyPlans plans(String source, String destination) {
    CopyRequest request =
        CopyRequest.builder().setSource(ImageReference.parse(source)).setDestination(ImageReference.parse(destination)).build();
    CopyPlan plan = CopyPlan.of(ImageReference.parse(source + ":t"), "t",
        ImmutableList.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(new byte[] {1}), 1)),
        ImmutableList.of(), ImmutableList.of(), ImageReference.parse(destination + ":t"), "t", request, 0L);
    return new CopyPlans(ImmutableList.of(plan), ImmutableList.of(), ImmutableMap.of());
  }

  /** The report without what differs from run to run (durations, the destination's path), its images in a fixed order. */
  private static JsonNode comparable(Path report, Path destination) throws IOException {
    String text = Files.readString(report).replace("oci:" + destination + ":", "oci:DESTINATION:");
    ObjectNode root = (ObjectNode) ImageJson.mapper().readTree(text);
    root.remove("seconds");
    List<JsonNode> images = new ArrayList<>();
    root.path("images").forEach(i -> images.add(((ObjectNode) i).without("seconds")));
    images.sort(Comparator.comparing(JsonNode::toString));
    root.putArray("images").addAll(images);
    return root;
  }
}
