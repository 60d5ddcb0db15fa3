package org.layerfs.transforms.copy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;

/**
 * How many keys the blob routes between registries are spread over: a few for a small mirror,
 * more as the mirror grows, so that a Flink cluster's slots all get routes to copy; one key per
 * route still for a copy into a layout.
 */
class CopyBlobsShardsTest {
  @Test
  void aSmallMirrorBetweenRegistriesTakesTheMinimumOfKeys() {
    assertEquals(CopyBlobs.MIN_SHARDS, CopyBlobs.shards(plans("docker://src.example/app", "docker://dst.example/app", 3, 10)));
  }

  @Test
  void aLargeMirrorGetsAKeyPerFewRoutes() {
    List<CopyPlan> plans = plans("docker://src.example/app", "docker://dst.example/app", 50, 20);
    int shards = CopyBlobs.shards(plans);
    assertEquals(1000 / CopyBlobs.ROUTES_PER_SHARD + 1, shards);
    Set<String> keys = new HashSet<>();
    plans.forEach(p -> BlobCopy.of(p).forEach(c -> keys.add(CopyBlobs.key(c, shards))));
    assertEquals(shards, keys.size(), "every key is used");
  }

  @Test
  void aBlobSharedByRepositoriesOfOneRegistryIsOneRoute() {
    List<CopyPlan> plans = new ArrayList<>(plans("docker://src.example/a", "docker://dst.example/a", 40, 10));
    plans.addAll(plans("docker://src.example/b", "docker://dst.example/b", 40, 10));
    assertEquals(400 / CopyBlobs.ROUTES_PER_SHARD, CopyBlobs.shards(plans));
  }

  @Test
  void aCopyIntoALayoutKeepsAKeyPerRoute() {
    List<CopyPlan> plans = plans("docker://src.example/app", "oci:/tmp/out", 50, 20);
    assertEquals(CopyBlobs.MIN_SHARDS, CopyBlobs.shards(plans));
    Set<String> keys = new HashSet<>();
    plans.forEach(p -> BlobCopy.of(p).forEach(c -> keys.add(CopyBlobs.key(c, CopyBlobs.MIN_SHARDS))));
    assertEquals(1000, keys.size());
  }

  @Test
  void onTheDirectRunnerEachThreadTakesOneKey() {
    List<CopyPlan> plans = plans("docker://src.example/app", "docker://dst.example/app", 50, 20);
    CopyBlobs onTwo = CopyBlobs.onThreads(2);
    Set<String> keys = new HashSet<>();
    plans.forEach(p -> BlobCopy.of(p).forEach(c -> keys.add(CopyBlobs.key(c, onTwo.shards))));
    assertEquals(2, keys.size());
  }

  @Test
  void aKeysRoutesStartWithTheLargestBlob() {
    CopyRequest request = CopyRequest.builder()
        .setSource(ImageReference.parse("docker://src.example/a")).setDestination(ImageReference.parse("docker://dst.example/a")).build();
    Descriptor small = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("small".getBytes(UTF_8)), 10);
    Descriptor base = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("base".getBytes(UTF_8)), 50 << 20);
    Descriptor middle = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("middle".getBytes(UTF_8)), 4 << 20);
    List<BlobCopy> copies = new ArrayList<>();
    for (String repo : List.of("a", "b")) {
      copies.addAll(BlobCopy.of(CopyPlan.of(
          ImageReference.parse("docker://src.example/" + repo + ":t"), "t", ImmutableList.of(small, base, middle),
          ImmutableList.of(), ImmutableList.of(), ImageReference.parse("docker://dst.example/" + repo + ":t"), "t", request, 0L)));
    }
    List<BlobRoute> routes = CopyBlobs.routes(copies);
    assertEquals(List.of(base, middle, small), routes.stream().map(BlobRoute::blob).toList());
    assertEquals(List.of(2, 2, 2), routes.stream().map(BlobRoute::destinations).toList(), "one route per blob, both repositories on it");
  }

  /** {@code images} plans from {@code source} to {@code destination}, each of {@code blobs} blobs of its own. */
  private static List<CopyPlan> plans(String source, String destination, int images, int blobs) {
    CopyRequest request =
        CopyRequest.builder().setSource(ImageReference.parse(source)).setDestination(ImageReference.parse(destination)).build();
    return IntStream.range(0, images).mapToObj(i -> CopyPlan.of(
            ImageReference.parse(source + ":t" + i), "t" + i,
            IntStream.range(0, blobs).mapToObj(b -> Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(("blob " + b + " of " + i).getBytes(UTF_8)), 1))
                .collect(ImmutableList.toImmutableList()),
            ImmutableList.of(), ImmutableList.of(), ImageReference.parse(destination + ":t" + i), "t" + i, request, 0L))
        .toList();
  }
}
