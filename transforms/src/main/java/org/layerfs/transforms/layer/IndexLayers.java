package org.layerfs.transforms.layer;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.registry.RegistryConfig;

/**
 * Indexes layers: each distinct digest is read once (or found in the cache), verified,
 * decompressed and scanned, its catalog kept in the cache, and its outcome emitted.
 */
@AutoValue
public abstract class IndexLayers extends PTransform<PCollection<LayerRef>, PCollection<LayerOutcome>> {
  private static final long serialVersionUID = 1L;

  abstract String cacheDir();

  abstract RegistryConfig registry();

  /**
   * Indexes layers, keeping their catalogs under {@code cacheDir} (storage every worker sees) and
   * reaching registries with {@link RegistryConfig#defaults()}.
   */
  public static IndexLayers withCache(String cacheDir) {
    return new AutoValue_IndexLayers(cacheDir, RegistryConfig.defaults());
  }

  /** Reaches registries with {@code registry} (TLS, credentials). */
  public IndexLayers withRegistry(RegistryConfig registry) {
    return new AutoValue_IndexLayers(cacheDir(), registry);
  }

  /**
   * Keeps one reference per digest (any image's will do, the blob is the same) and counts the
   * distinct layers and their bytes, the totals progress is measured against. One step, not two:
   * the direct runner makes an evaluator for every bundle of every step, and after the grouping
   * every layer is a bundle of its own.
   */
  private static final class FirstAndCountFn extends DoFn<KV<String, Iterable<LayerRef>>, LayerRef> {
    private static final long serialVersionUID = 1L;
    private final Counter layers = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_TOTAL);
    private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);

    @ProcessElement
    public void process(@Element KV<String, Iterable<LayerRef>> group, OutputReceiver<LayerRef> out) {
      LayerRef layer = group.getValue().iterator().next();
      layers.inc();
      bytes.inc(layer.descriptor().size());
      out.output(layer);
    }
  }

  @Override
  public PCollection<LayerOutcome> expand(PCollection<LayerRef> layers) {
    return layers
        // Grouping by digest dedupes shared layers and, being a shuffle, breaks fusion: the
        // layers of one image come from one element and would otherwise share one thread.
        .apply("KeyByDigest", WithKeys.of((LayerRef l) -> l.descriptor().digest().toString())
            .withKeyType(TypeDescriptors.strings()))
        .apply("GroupByDigest", GroupByKey.create())
        .apply("OnePerDigest", ParDo.of(new FirstAndCountFn()))
        .apply("ReadVerifyIndex", ParDo.of(new IndexLayerFn(cacheDir(), registry())));
  }
}
