package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Commits copied images at their destinations ({@link DestinationCommit}): an image's manifests
 * are written only when every blob it references arrived, children before the indexes that list
 * them, its tag last. The
 * images of one destination are committed by one worker, one after another, so that its tag list
 * ({@code index.json}) has one writer. Committing again what is committed changes nothing, so a
 * retried bundle is harmless.
 */
@AutoValue
public abstract class CommitImages extends PTransform<PCollection<CopyPlan>, PCollection<CopyOutcome>> {
  private static final long serialVersionUID = 1L;

  /** Blob outcomes by {@link BlobOutcome#key}, as a side input. */
  abstract PCollectionView<Map<String, BlobOutcome>> blobs();

  abstract boolean verifyAfterCommit();

  public static CommitImages of(PCollectionView<Map<String, BlobOutcome>> blobs) {
    return new AutoValue_CommitImages(blobs, false);
  }

  /** Re-reads every blob of each committed image at its destination and checks its digest (for move). */
  public CommitImages verifyingAfterCommit() {
    return new AutoValue_CommitImages(blobs(), true);
  }

  @Override
  public PCollection<CopyOutcome> expand(PCollection<CopyPlan> plans) {
    return plans
        .apply("KeyByDestination", WithKeys.of((CopyPlan p) -> p.destination().toString()).withKeyType(TypeDescriptors.strings()))
        .apply("GroupByDestination", GroupByKey.create())
        .apply("Commit", ParDo.of(new CommitFn(blobs(), verifyAfterCommit())).withSideInputs(blobs()));
  }

  private static final class CommitFn extends DoFn<KV<String, Iterable<CopyPlan>>, CopyOutcome> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<Map<String, BlobOutcome>> blobsView;
    private final boolean verify;
    private final Counter done = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.IMAGES_DONE);
    private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.IMAGES_FAILED);
    private final Counter referrers = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.REFERRERS_TOTAL);
    private final Counter referrersDone = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.REFERRERS_DONE);
    private final Counter referrersFailed = Metrics.counter(LayerMetrics.NAMESPACE, CopyMetrics.REFERRERS_FAILED);
    private transient OpenStores stores;

    CommitFn(PCollectionView<Map<String, BlobOutcome>> blobsView, boolean verify) {
      this.blobsView = blobsView;
      this.verify = verify;
    }

    @Setup
    public void setup() {
      stores = new OpenStores();
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<CopyPlan>> group, ProcessContext c) {
      Map<String, BlobOutcome> blobs = c.sideInput(blobsView);
      List<CopyPlan> plans = DestinationCommit.inOrder(group.getValue());
      referrers.inc(plans.stream().filter(CopyPlan::isReferrer).count());
      for (CopyPlan plan : plans) {
        CopyOutcome outcome = DestinationCommit.commit(plan, blobs, stores, verify);
        if (plan.isReferrer()) {
          (outcome.isFailed() ? referrersFailed : referrersDone).inc();
        } else {
          (outcome.isFailed() ? failed : done).inc();
        }
        c.output(outcome);
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
