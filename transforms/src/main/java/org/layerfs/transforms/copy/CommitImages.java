package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ImageSource;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Commits copied images at their destinations: an image's manifests are written only when every
 * blob it references arrived, children before the indexes that list them, its tag last. The
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
      List<CopyPlan> plans = new ArrayList<>();
      group.getValue().forEach(plans::add);
      // A fixed order, so that when two sources name one destination tag every run ends alike.
      plans.sort(Comparator.comparing((CopyPlan p) -> p.target().toString()).thenComparing(p -> p.image().toString()));
      referrers.inc(plans.stream().filter(CopyPlan::isReferrer).count());
      for (CopyPlan plan : plans) {
        CopyOutcome outcome = commit(plan, blobs);
        if (plan.isReferrer()) {
          (outcome.isFailed() ? referrersFailed : referrersDone).inc();
        } else {
          (outcome.isFailed() ? failed : done).inc();
        }
        c.output(outcome);
      }
    }

    private CopyOutcome commit(CopyPlan plan, Map<String, BlobOutcome> blobs) {
      int copied = 0;
      long bytes = 0;
      List<String> errors = new ArrayList<>();
      for (Descriptor blob : plan.blobs()) {
        BlobOutcome o = blobs.get(BlobOutcome.key(plan.destination(), blob.digest()));
        if (o == null) {
          errors.add("blob " + blob.digest() + " was not copied");
        } else if (o.error().isPresent()) {
          errors.add(o.error().get());
        } else if (o.copied()) {
          copied++;
          bytes += o.bytes();
        }
      }
      if (!errors.isEmpty()) {
        return CopyOutcome.failed(plan, errors.size() == 1 ? errors.get(0) : errors.get(0) + " (and " + (errors.size() - 1) + " more blobs)");
      }
      try {
        ImageDestination destination = stores.destination(plan.destination(), plan.destinationRegistry());
        for (int i = 0; i < plan.manifests().size(); i++) {
          boolean root = i == plan.manifests().size() - 1;
          ManifestBlob m = plan.manifests().get(i);
          if (root && plan.referrerOf().isPresent()) {
            destination.putReferrer(plan.referrerOf().get(), m.descriptor(), m.bytes());
          } else {
            destination.putManifest(m.descriptor(), m.bytes(), root ? plan.tag() : Optional.empty());
          }
        }
        if (verify) {
          verifyAtDestination(plan, destination);
        }
        return CopyOutcome.copied(plan, copied, bytes);
      } catch (IOException e) {
        return CopyOutcome.failed(plan, plan.target() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      }
    }

    /** Reads back every blob of {@code plan} at its destination, checking each digest, and asks for each manifest by digest. */
    private void verifyAtDestination(CopyPlan plan, ImageDestination destination) throws IOException {
      Optional<Digest> tagged =
          plan.tag().isPresent() ? destination.tagDigest(plan.destinationTag()) : Optional.of(plan.root().digest());
      if (!tagged.equals(Optional.of(plan.root().digest()))) {
        throw new IOException("after the copy the tag names " + tagged.map(Digest::toString).orElse("nothing")
            + ", not " + plan.root().digest());
      }
      // Manifests by digest at the manifest endpoint: a registry need not serve them as blobs (the distribution registry does).
      for (ManifestBlob m : plan.manifests()) {
        if (!destination.hasManifest(m.descriptor())) {
          throw new IOException("after the copy " + plan.destination() + " lacks manifest " + m.descriptor().digest());
        }
      }
      ImageSource readBack = stores.source(plan.destination(), plan.destinationRegistry());
      for (Descriptor d : plan.blobs()) {
        try (InputStream in = readBack.openBlob(d);
            VerifyingInputStream v = new VerifyingInputStream(in, d, "blob " + d.digest() + " read back from " + plan.destination())) {
          v.drainAndVerify();
        }
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
