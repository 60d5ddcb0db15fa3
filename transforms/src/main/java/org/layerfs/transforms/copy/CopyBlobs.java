package org.layerfs.transforms.copy;

import java.io.IOException;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
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
public final class CopyBlobs extends PTransform<PCollection<CopyPlan>, PCollection<KV<String, BlobOutcome>>> {
  private static final long serialVersionUID = 1L;

  private CopyBlobs() {}

  public static CopyBlobs create() {
    return new CopyBlobs();
  }

  @Override
  public PCollection<KV<String, BlobOutcome>> expand(PCollection<CopyPlan> plans) {
    return plans
        .apply("BlobsOfPlans", FlatMapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(BlobCopy.class)))
            .via((CopyPlan plan) -> BlobCopy.of(plan).stream().map(c -> KV.of(c.routeKey(), c)).toList()))
        .apply("GroupByKey", GroupByKey.create())
        // The grouping already spreads the routes over the workers (the direct runner makes a
        // bundle of each key; Flink partitions keys over its slots), so no Reshuffle follows: its
        // five steps, evaluated bundle by bundle, were most of the direct runner's own CPU time
        // in a sync (README, Benchmark).
        .apply("OneRoutePerKey", ParDo.of(new RouteFn()))
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

  private static final class CopyFn extends DoFn<BlobRoute, KV<String, BlobOutcome>> {
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
    public void process(@Element BlobRoute route, OutputReceiver<KV<String, BlobOutcome>> out) {
      long size = route.blob().size();
      for (BlobOutcome o : route.copy(stores)) {
        if (o.error().isPresent()) {
          failed.inc();
        } else {
          (o.copied() ? copied : present).inc();
          bytesDone.inc(size);
          bytesCopied.inc(o.bytes());
        }
        out.output(KV.of(o.key(), o));
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
