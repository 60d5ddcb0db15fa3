package org.layerfs.transforms.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;

/** Which repositories found in step are asked for a blob none of its route's repositories has. */
class InStepRepositoriesTest {
  static final Digest DIGEST = Digest.sha256("layer".getBytes(UTF_8));
  static final InStepRepositories IN_STEP = InStepRepositories.of(List.of(
      skipped("docker://dst.example/m/d:1"), skipped("docker://dst.example/m/b:1"), skipped("docker://dst.example/m/a:1"),
      skipped("docker://dst.example/m/a:2"), skipped("docker://other.example/m/c:1"), skipped("oci:/tmp/layout:1"),
      CopyOutcome.failed("docker://src.example/m/e:1", "gone")));

  @Test
  void twoOfTheDestinationsRegistryInNameOrderNotTheRoutesOwn() {
    assertEquals(List.of(store("docker://dst.example/m/b"), store("docker://dst.example/m/d")),
        IN_STEP.toAsk(copy("docker://src.example/m/x", 1 << 20), Set.of(store("docker://dst.example/m/a"), store("docker://dst.example/m/x"))));
    assertEquals(List.of(store("docker://dst.example/m/a"), store("docker://dst.example/m/b")),
        IN_STEP.toAsk(copy("oci:/tmp/source", 50 << 20), Set.of(store("docker://dst.example/m/x"))));
  }

  @Test
  void noneForASmallBlobOrOneItsSourceCanMount() {
    Set<ImageReference> route = Set.of(store("docker://dst.example/m/x"));
    assertEquals(List.of(), IN_STEP.toAsk(copy("docker://src.example/m/x", (1 << 20) - 1), route));
    assertEquals(List.of(), IN_STEP.toAsk(copy("docker://dst.example/m/y", 50 << 20), route));
    assertEquals(List.of(), InStepRepositories.none().toAsk(copy("docker://src.example/m/x", 50 << 20), route));
  }

  private static CopyOutcome skipped(String target) {
    ImageReference t = ImageReference.parse(target);
    return CopyOutcome.skipped(t, t, DIGEST, "up to date");
  }

  private static ImageReference store(String reference) {
    return ImageReference.parse(reference);
  }

  /** The copy of a layer of {@code size} from {@code source} into docker://dst.example/m/x. */
  private static BlobCopy copy(String source, long size) {
    CopyRequest request = CopyRequest.builder().setSource(store(source)).setDestination(store("docker://dst.example/m/x")).build();
    return BlobCopy.of(CopyPlan.of(store(source + ":t"), "t", ImmutableList.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, DIGEST, size)),
        ImmutableList.of(), ImmutableList.of(), store("docker://dst.example/m/x"), "t", request, 0L)).get(0);
  }
}
