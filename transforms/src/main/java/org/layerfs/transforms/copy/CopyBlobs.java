package org.layerfs.transforms.copy;

import java.io.IOException;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Copies the blobs of planned images: each (destination, digest) once per run however many
 * images share it, skipped when the destination has it. The destinations of one registry that
 * need a blob are one {@link BlobRoute}: the blob is streamed from the source once (verified
 * while the destination writes it) and mounted into the other repositories. Emits one {@link
 * BlobOutcome} per pair.
 */
public final class CopyBlobs extends PTransform<PCollection<CopyPlan>, PCollection<BlobOutcome>> {
  private static final long serialVersionUID = 1L;

  private CopyBlobs() {}

  public static CopyBlobs create() {
    return new CopyBlobs();
  }

  @Override
  public PCollection<BlobOutcome> expand(PCollection<CopyPlan> plans) {
    return plans
        .apply("BlobsOfPlans", FlatMapElements.into(TypeDescriptor.of(BlobCopy.class)).via(BlobCopy::of))
        .apply("KeyByRegistryAndDigest", WithKeys.of(BlobCopy::routeKey).withKeyType(TypeDescriptors.strings()))
        .apply("GroupByKey", GroupByKey.create())
        .apply("OneRoutePerKey", ParDo.of(new RouteFn()))
        // The blobs of one image come from one element; spread them over the workers.
        .apply("Spread", Reshuffle.viaRandomKey())
        .apply("Copy", ParDo.of(new CopyFn()));
  }

  /** Gathers a key's copies into one route; every destination counts as a blob to bring. */
  private static final class RouteFn extends DoFn<KV<String, Iterable<BlobCopy>>, BlobRoute> {
    private static final long serialVersionUID = 1L;
    private final Counter blobs = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_TOTAL);
    private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);

    @ProcessElement
    public void process(@Element KV<String, Iterable<BlobCopy>> group, OutputReceiver<BlobRoute> out) {
      BlobRoute route = BlobRoute.of(group.getValue());
      blobs.inc(route.destinations());
      bytes.inc(route.blob().size() * route.destinations());
      out.output(route);
    }
  }

  private static final class CopyFn extends DoFn<BlobRoute, BlobOutcome> {
    private static final long serialVersionUID = 1L;
    private final Counter copied = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_COPIED);
    private final Counter present = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_PRESENT);
    private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_FAILED);
    private final Counter bytesDone = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_DONE);
    private final Counter bytesCopied = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BYTES_COPIED);
    private transient OpenStores stores;

    @Setup
    public void setup() {
      stores = new OpenStores();
    }

    /** A retried bundle finds the blobs there and does not copy them again. */
    @ProcessElement
    public void process(@Element BlobRoute route, OutputReceiver<BlobOutcome> out) {
      long size = route.blob().size();
      for (BlobOutcome o : route.copy(stores)) {
        if (o.error().isPresent()) {
          failed.inc();
        } else {
          (o.copied() ? copied : present).inc();
          bytesDone.inc(size);
          bytesCopied.inc(o.bytes());
        }
        out.output(o);
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
