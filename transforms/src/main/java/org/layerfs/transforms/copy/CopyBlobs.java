package org.layerfs.transforms.copy;

import java.io.IOException;
import java.io.InputStream;
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
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Copies the blobs of planned images: each (destination, digest) once per run however many
 * images share it, skipped when the destination has it, otherwise streamed from the source and
 * verified while the destination writes it. Emits one {@link BlobOutcome} per pair.
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
        .apply("KeyByDestinationAndDigest", WithKeys.of(BlobCopy::key).withKeyType(TypeDescriptors.strings()))
        .apply("GroupByKey", GroupByKey.create())
        .apply("OnePerKey", ParDo.of(new FirstFn()))
        // The blobs of one image come from one element; spread them over the workers.
        .apply("Spread", Reshuffle.viaRandomKey())
        .apply("Copy", ParDo.of(new CopyFn()));
  }

  /** Keeps one copy per key: any image's will do, the blob is the same. */
  private static final class FirstFn extends DoFn<KV<String, Iterable<BlobCopy>>, BlobCopy> {
    private static final long serialVersionUID = 1L;
    private final Counter blobs = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.BLOBS_TOTAL);
    private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);

    @ProcessElement
    public void process(@Element KV<String, Iterable<BlobCopy>> group, OutputReceiver<BlobCopy> out) {
      BlobCopy first = group.getValue().iterator().next();
      blobs.inc();
      bytes.inc(first.blob().size());
      out.output(first);
    }
  }

  private static final class CopyFn extends DoFn<BlobCopy, BlobOutcome> {
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

    @ProcessElement
    public void process(@Element BlobCopy copy, OutputReceiver<BlobOutcome> out) {
      long size = copy.blob().size();
      try {
        ImageDestination destination = stores.destination(copy.destination(), copy.destinationRegistry());
        // A retried bundle finds the blob there and does not copy it again.
        if (destination.hasBlob(copy.blob())) {
          present.inc();
          bytesDone.inc(size);
          out.output(BlobOutcome.present(copy.destination(), copy.blob().digest()));
          return;
        }
        if (!destination.mountBlob(copy.blob(), copy.source())) {
          try (InputStream in = stores.source(copy.source(), copy.sourceRegistry()).openBlob(copy.blob())) {
            destination.putBlob(copy.blob(), in);
          }
        }
        copied.inc();
        bytesDone.inc(size);
        bytesCopied.inc(size);
        out.output(BlobOutcome.copied(copy.destination(), copy.blob().digest(), size));
      } catch (IOException e) {
        failed.inc();
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        String message = copy.image() + ": " + (why.contains(copy.blob().digest().toString()) ? why : "blob " + copy.blob().digest() + ": " + why);
        out.output(BlobOutcome.failed(copy.destination(), copy.blob().digest(), message));
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
