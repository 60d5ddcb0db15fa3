package org.layerfs.transforms.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;

/** {@link IndexLayers} on the direct runner, over the layers of the fixture images. */
class IndexLayersTest {

  /** The LayerRefs of every image at {@code layout} (every tag), in image and layer order. */
  private static List<LayerRef> layersOf(Path layout) throws IOException {
    ImageReference ref = ImageReference.parse("oci:" + layout.toAbsolutePath().normalize());
    List<LayerRef> out = new ArrayList<>();
    try (ImageSource source = ImageSources.open(ref)) {
      for (ResolvedImage image : source.resolve(ref, Optional.empty()).images()) {
        out.addAll(LayerRef.of(image));
      }
    }
    return out;
  }

  /** What each outcome must be, checked inside the pipeline (so: serializable). */
  private interface Check extends Serializable {
    void check(LayerOutcome outcome);
  }

  /** Runs IndexLayers over {@code refs}; asserts one outcome per distinct digest, each passing {@code check}. */
  private static PipelineResult index(List<LayerRef> refs, Path cache, Check check) {
    return index(refs, IndexLayers.withCache(cache.toString()), check);
  }

  /** Runs {@code indexLayers} over {@code refs}, as {@link #index(List, Path, Check)}. */
  private static PipelineResult index(List<LayerRef> refs, IndexLayers indexLayers, Check check) {
    HashSet<String> distinct = new HashSet<>();
    refs.forEach(r -> distinct.add(r.descriptor().digest().toString()));
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PCollection<LayerOutcome> outcomes =
        p.apply(Create.of(refs).withCoder(SerializableCoder.of(LayerRef.class)))
            .apply(indexLayers);
    PAssert.that(outcomes).satisfies(all -> {
      List<String> seen = new ArrayList<>();
      for (LayerOutcome o : all) {
        seen.add(o.digest().toString());
        check.check(o);
      }
      Collections.sort(seen);
      List<String> want = new ArrayList<>(distinct);
      Collections.sort(want);
      assertEquals(want, seen, "one outcome per distinct digest");
      return null;
    });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return result;
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(
        MetricsFilter.builder().addNameFilter(MetricNameFilter.named(LayerMetrics.NAMESPACE, name)).build()).getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  @Test
  void indexesEachDistinctLayerOnceThenTakesItFromTheCache(@TempDir Path cache) throws IOException {
    List<LayerRef> layers = layersOf(TestData.images());
    // Duplicates: every layer twice, and once more in reverse order.
    List<LayerRef> refs = new ArrayList<>(layers);
    refs.addAll(layers);
    List<LayerRef> reversed = new ArrayList<>(layers);
    Collections.reverse(reversed);
    refs.addAll(reversed);
    Map<Digest, Descriptor> distinct = new HashMap<>();
    layers.forEach(l -> distinct.put(l.descriptor().digest(), l.descriptor()));
    assertEquals(13, distinct.size(), "the fixture layout's distinct layers");

    HashMap<String, Long> sizes = new HashMap<>();
    distinct.forEach((d, desc) -> sizes.put(d.toString(), desc.size()));
    PipelineResult cold = index(refs, cache, o -> {
      assertEquals(LayerOutcome.Kind.INDEXED, o.kind(), o.toString());
      LayerSummary s = o.summary().orElseThrow();
      assertEquals(o.digest(), s.digest());
      assertEquals(sizes.get(o.digest().toString()), s.size(), "verified blob size");
      assertTrue(s.entries() > 0 && s.uncompressedSize() > 0 && s.uncompressedSize() % 512 == 0, o.toString());
      assertFalse(o.error().isPresent());
    });
    assertEquals(13, counter(cold, LayerMetrics.LAYERS_INDEXED));
    assertEquals(0, counter(cold, LayerMetrics.LAYERS_CACHED));
    assertEquals(13, counter(cold, LayerMetrics.LAYERS_TOTAL), "totals count distinct layers");
    assertEquals(sizes.values().stream().mapToLong(Long::longValue).sum(), counter(cold, LayerMetrics.BYTES_TOTAL),
        "the bytes of distinct layers, each counted once");

    LayerCache lookup = new LayerCache(cache);
    HashMap<String, LayerSummary> summaries = new HashMap<>();
    for (Digest d : distinct.keySet()) {
      LayerCache.Lookup l = lookup.lookup(d);
      assertEquals(LayerCache.Status.HIT, l.status(), d.toString());
      summaries.put(d.toString(), l.summary().get());
    }
    assertNoTempEntries(cache);

    PipelineResult warm = index(refs, cache, o -> {
      assertEquals(LayerOutcome.Kind.CACHED, o.kind(), o.toString());
      assertEquals(summaries.get(o.digest().toString()), o.summary().orElseThrow());
    });
    assertEquals(0, counter(warm, LayerMetrics.LAYERS_INDEXED));
    assertEquals(13, counter(warm, LayerMetrics.LAYERS_CACHED));
  }

  /**
   * Layers this run read beside the pipeline are in the cache when the pipeline runs: it counts
   * them as decompressed, as they were, and the damaged entries found then as rebuilt.
   */
  @Test
  void layersReadBeforeThePipelineAreCountedAsRead(@TempDir Path cache) throws IOException {
    List<LayerRef> layers = layersOf(TestData.images());
    index(layers, cache, o -> assertEquals(LayerOutcome.Kind.INDEXED, o.kind(), o.toString()));
    Set<String> digests = new HashSet<>();
    layers.forEach(l -> digests.add(l.descriptor().digest().toString()));
    String damaged = layers.get(0).descriptor().digest().toString();

    PipelineResult again = index(layers, IndexLayers.withCache(cache.toString()).readBefore(digests, Set.of(damaged)),
        o -> assertEquals(LayerOutcome.Kind.INDEXED, o.kind(), o.toString()));
    assertEquals(13, counter(again, LayerMetrics.LAYERS_INDEXED));
    assertEquals(0, counter(again, LayerMetrics.LAYERS_CACHED));
    assertEquals(1, counter(again, LayerMetrics.CACHE_REBUILT));
  }

  /**
   * After the grouping by digest every layer is a bundle, and the direct runner makes an evaluator
   * for every bundle of every step: one step reads the layers, and keeps one reference per digest
   * and counts the totals itself.
   */
  @Test
  void oneStepAfterTheGroupingByDigest(@TempDir Path cache) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.empty(SerializableCoder.of(LayerRef.class))).apply("Index", IndexLayers.withCache(cache.toString()));
    List<String> steps = new ArrayList<>();
    p.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        String[] names = node.getFullName().split("/");
        if (names[0].equals("Index")) {
          steps.add(names[1]);
        }
      }
    });
    assertEquals(List.of("KeyByDigest", "GroupByDigest", "ReadVerifyIndex"), steps);
  }

  @Test
  void aMissingBlobFailsItsLayerOnly(@TempDir Path cache) throws IOException {
    List<LayerRef> layers = layersOf(TestData.bad("missing-blob"));
    assertEquals(2, layers.size());
    String missing = layers.get(0).descriptor().digest().toString();
    String present = layers.get(1).descriptor().digest().toString();
    assertFalse(Files.exists(TestData.bad("missing-blob").resolve("blobs/sha256").resolve(missing.substring(7))));
    // A foreign layer is reported, never fetched (its blob is nowhere).
    Descriptor foreign = Descriptor.of(
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        Digest.parse("sha256:" + "ab".repeat(32)), 1234);
    List<LayerRef> refs = new ArrayList<>(layers);
    refs.addAll(layers);
    refs.add(LayerRef.of(foreign, layers.get(0).store(), "foreign-image"));

    PipelineResult result = index(refs, cache, o -> {
      String d = o.digest().toString();
      if (d.equals(missing)) {
        assertEquals(LayerOutcome.Kind.FAILED, o.kind(), o.toString());
        assertFalse(o.summary().isPresent());
        String error = o.error().orElseThrow();
        assertTrue(error.contains(missing), "names the layer: " + error);
        assertTrue(error.contains("missing"), "says what is wrong: " + error);
        assertTrue(error.contains("missing-blob"), "names the store: " + error);
      } else if (d.equals(present)) {
        assertEquals(LayerOutcome.Kind.INDEXED, o.kind(), o.toString());
      } else {
        assertEquals(LayerOutcome.Kind.FOREIGN, o.kind(), o.toString());
        assertFalse(o.summary().isPresent() || o.error().isPresent());
      }
    });
    assertEquals(1, counter(result, LayerMetrics.LAYERS_FAILED));
    assertEquals(1, counter(result, LayerMetrics.LAYERS_INDEXED));

    LayerCache lookup = new LayerCache(cache);
    assertEquals(LayerCache.Status.MISS, lookup.lookup(Digest.parse(missing)).status(), "no cache entry for a failed layer");
    assertEquals(LayerCache.Status.HIT, lookup.lookup(Digest.parse(present)).status());
    assertEquals(LayerCache.Status.MISS, lookup.lookup(foreign.digest()).status());
    assertNoTempEntries(cache);
  }

  private static void assertNoTempEntries(Path cache) throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      List<Path> temps = s.filter(p -> p.getFileName().toString().startsWith(".tmp") || p.getFileName().toString().endsWith(".tmp")).toList();
      assertEquals(List.of(), temps);
    }
  }
}
