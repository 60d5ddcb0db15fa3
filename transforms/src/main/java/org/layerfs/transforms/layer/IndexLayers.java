package org.layerfs.transforms.layer;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Distinct;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Indexes layers: each distinct digest is read once (or found in the cache), verified,
 * decompressed and scanned, its catalog kept in the cache, and its outcome emitted.
 */
@AutoValue
public abstract class IndexLayers extends PTransform<PCollection<LayerRef>, PCollection<LayerOutcome>> {
  private static final long serialVersionUID = 1L;

  abstract String cacheDir();

  /** Indexes layers, keeping their catalogs under {@code cacheDir} (storage every worker sees). */
  public static IndexLayers withCache(String cacheDir) {
    return new AutoValue_IndexLayers(cacheDir);
  }

  /** Counts the distinct layers and their bytes, the totals progress is measured against. */
  private static final class CountFn extends DoFn<LayerRef, LayerRef> {
    private static final long serialVersionUID = 1L;
    private final Counter layers = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_TOTAL);
    private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);

    @ProcessElement
    public void process(@Element LayerRef layer, OutputReceiver<LayerRef> out) {
      layers.inc();
      bytes.inc(layer.descriptor().size());
      out.output(layer);
    }
  }

  @Override
  public PCollection<LayerOutcome> expand(PCollection<LayerRef> layers) {
    return layers
        .apply("DedupeByDigest",
            Distinct.withRepresentativeValueFn((LayerRef l) -> l.descriptor().digest().toString())
                .withRepresentativeType(TypeDescriptors.strings()))
        .apply("CountLayers", ParDo.of(new CountFn()))
        // All layers of an image come from one element: break fusion so every core gets some.
        .apply("SpreadOverWorkers", Reshuffle.viaRandomKey())
        .apply("ReadVerifyIndex", ParDo.of(new IndexLayerFn(cacheDir())));
  }
}
