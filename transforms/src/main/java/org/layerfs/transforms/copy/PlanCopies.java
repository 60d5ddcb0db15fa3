package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.Optional;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ImageFailure;

/**
 * Plans the copies a set of requests asks for: {@link #PLANS} holds the images to copy;
 * {@link #DONE} the images a sync found already in step (skipped) and those that could not be
 * planned (failed, with why).
 */
@AutoValue
public abstract class PlanCopies extends PTransform<PBegin, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<CopyPlan> PLANS = new TupleTag<>() {};
  public static final TupleTag<CopyOutcome> DONE = new TupleTag<>() {};

  abstract ImmutableList<CopyRequest> requests();

  public static PlanCopies of(Iterable<CopyRequest> requests) {
    return new AutoValue_PlanCopies(ImmutableList.copyOf(requests));
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    return begin
        .apply("Requests", Create.of(requests()))
        .apply("Plan", ParDo.of(new PlanFn()).withOutputTags(PLANS, TupleTagList.of(DONE)));
  }

  /**
   * Why a sync need not copy {@code plan}, if it need not: the destination tag already names the
   * manifest the source tag names. Tags are never assumed immutable: the digests are compared.
   */
  public static Optional<String> upToDate(CopyPlan plan, ImageDestination destination) throws IOException {
    Optional<Digest> there = destination.tagDigest(plan.destinationTag());
    return there.equals(Optional.of(plan.root().digest()))
        ? Optional.of("up to date: " + plan.target() + " is " + plan.root().digest())
        : Optional.empty();
  }

  private static final class PlanFn extends DoFn<CopyRequest, CopyPlan> {
    private static final long serialVersionUID = 1L;
    private transient OpenStores stores;

    @Setup
    public void setup() {
      stores = new OpenStores();
    }

    @ProcessElement
    public void process(@Element CopyRequest request, MultiOutputReceiver out) {
      try {
        CopyPlanner.Plans planned = new CopyPlanner(stores.source(request.source(), request.sourceRegistry())).plan(request);
        for (ImageFailure f : planned.failures()) {
          out.get(DONE).output(CopyOutcome.failed(f.image(), f.message()));
        }
        ImageDestination destination = stores.destination(request.destination(), request.destinationRegistry());
        for (CopyPlan plan : planned.plans()) {
          Optional<String> skip = request.onlyChanged() ? upToDate(plan, destination) : Optional.empty();
          if (skip.isPresent()) {
            out.get(DONE).output(CopyOutcome.skipped(plan, skip.get()));
          } else {
            out.get(PLANS).output(plan);
          }
        }
      } catch (IOException e) {
        out.get(DONE).output(CopyOutcome.failed(request.source().toString(), e.getMessage()));
      }
    }

    @Teardown
    public void teardown() throws IOException {
      stores.close();
    }
  }
}
