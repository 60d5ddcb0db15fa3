package org.layerfs.transforms.layer;

import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.registry.RegistryConfig;

/**
 * Indexes each layer it is given, or takes its index from the cache ({@link LayerIndexer}). It is
 * given a layer's references grouped by digest and takes any one of them (the blob is the same),
 * counting the distinct layers and their bytes, the totals progress is measured against: in this
 * step, not one of its own, since the direct runner makes an evaluator for every bundle of every
 * step and after the grouping every layer is a bundle.
 */
class IndexLayerFn extends DoFn<KV<String, Iterable<LayerRef>>, LayerOutcome> {
  private static final long serialVersionUID = 1L;

  private final String cacheDir;
  private final RegistryConfig registry;
  private final ImmutableSet<String> decompressedBefore;
  private final ImmutableSet<String> damagedBefore;
  private final Counter layersTotal = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_TOTAL);
  private final Counter bytesTotal = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);
  private final Counter indexed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_INDEXED);
  private final Counter cached = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_CACHED);
  private final Counter rebuilt = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.CACHE_REBUILT);
  private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_FAILED);
  private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_DONE);

  private transient LayerIndexer indexer;

  IndexLayerFn(String cacheDir, RegistryConfig registry, ImmutableSet<String> decompressedBefore, ImmutableSet<String> damagedBefore) {
    this.cacheDir = cacheDir;
    this.registry = registry;
    this.decompressedBefore = decompressedBefore;
    this.damagedBefore = damagedBefore;
  }

  @Setup
  public void setup() {
    indexer = new LayerIndexer(new LayerCache(Path.of(cacheDir)), registry);
  }

  @ProcessElement
  public void process(@Element KV<String, Iterable<LayerRef>> group, OutputReceiver<LayerOutcome> out) {
    LayerRef ref = group.getValue().iterator().next();
    Descriptor layer = ref.descriptor();
    layersTotal.inc();
    bytesTotal.inc(layer.size());
    LayerIndexer.Indexed done = indexer.index(ref);
    String digest = layer.digest().toString();
    LayerOutcome outcome = done.outcome();
    if (outcome.kind() == LayerOutcome.Kind.CACHED && decompressedBefore.contains(digest)) {
      outcome = LayerOutcome.indexed(outcome.summary().get(), false);
    }
    if (done.damagedEntry() || damagedBefore.contains(digest)) {
      rebuilt.inc();
    }
    switch (outcome.kind()) {
      case INDEXED -> indexed.inc();
      case CACHED -> cached.inc();
      case FAILED -> failed.inc();
      case FOREIGN -> {}
    }
    if (outcome.kind() != LayerOutcome.Kind.FOREIGN) {
      bytes.inc(layer.size());
    }
    out.output(outcome);
  }

  @Teardown
  public void teardown() throws IOException {
    if (indexer != null) {
      indexer.close();
    }
  }
}
